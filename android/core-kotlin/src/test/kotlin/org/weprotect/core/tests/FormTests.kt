package org.weprotect.core.tests

import org.weprotect.core.Store

/** Tests of the form engine and the draft editor (added with the editor). */
fun formTests(): List<Test> = listOf()

/** Printed forms of the editor's values for the canary test (added with the editor). */
fun formPrintedForms(store: Store): List<String> = listOf()
