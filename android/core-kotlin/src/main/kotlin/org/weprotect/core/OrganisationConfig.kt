// The organisation's settings, read from the small JSON file the organisation ships with its
// app (`organisation.json`). An officer never types these: the consent script's version, the
// risk instrument in use, the route to take when consent is refused are the organisation's
// decisions. The app passes them to `Store.setDeployment` at every start, and new drafts are
// filled from them. Plain Kotlin (no JSON library on the JVM test classpath, and the file is one
// flat object of strings), so the reading is tested on the desktop JVM.
package org.weprotect.core

/** The organisation file is malformed: [field] names where, [rule] what was expected. */
class OrganisationConfigException(val field: String, val rule: String) :
    Exception("organisation.json: $field: $rule")

/** The keys `organisation.json` may hold; every one is optional, no other key is accepted. */
val ORGANISATION_CONFIG_KEYS = listOf(
    "organisation_type", "organisation_id", "consent_script_version", "risk_instrument",
    "consent_refused_route",
)

/**
 * The deployment settings of `organisation.json`: one JSON object of string values, keys from
 * [ORGANISATION_CONFIG_KEYS]. An unknown key (a typo would silently drop a setting), a value
 * that is not a string, an unknown organisation type or a blank value is refused with
 * [OrganisationConfigException] naming the key.
 */
fun deploymentSettingsFromJson(json: String): DeploymentSettings {
    val values = FlatJson(json).readObject()
    for (key in values.keys) {
        if (key !in ORGANISATION_CONFIG_KEYS) {
            throw OrganisationConfigException(key, "unknown key; expected one of ${ORGANISATION_CONFIG_KEYS.joinToString()}")
        }
    }
    for ((key, value) in values) {
        if (value.isBlank()) throw OrganisationConfigException(key, "must not be blank (leave the key out instead)")
    }
    val type = values["organisation_type"]?.let { typed ->
        OrganisationType.entries.firstOrNull { it.name.equals(typed, ignoreCase = true) }
            ?: throw OrganisationConfigException(
                "organisation_type",
                "one of ${OrganisationType.entries.joinToString { it.name.lowercase() }}",
            )
    }
    return DeploymentSettings(
        organisationType = type,
        organisationId = values["organisation_id"],
        consentScriptVersion = values["consent_script_version"],
        riskInstrument = values["risk_instrument"],
        consentRefusedRoute = values["consent_refused_route"],
    )
}

/** A reader of one JSON object whose values are all strings (RFC 8259 strings and escapes). */
private class FlatJson(private val text: String) {
    private var at = 0

    fun readObject(): Map<String, String> {
        val out = linkedMapOf<String, String>()
        skipSpace()
        expect('{', "the file must be one JSON object")
        skipSpace()
        if (peek() == '}') { at++; return end(out) }
        while (true) {
            skipSpace()
            if (peek() != '"') fail("(top level)", "expected a quoted key")
            val key = readString("(top level)")
            skipSpace()
            expect(':', "expected ':' after \"$key\"")
            skipSpace()
            if (peek() != '"') throw OrganisationConfigException(key, "must be a string in quotes")
            if (key in out) throw OrganisationConfigException(key, "appears twice")
            out[key] = readString(key)
            skipSpace()
            when (peek()) {
                ',' -> at++
                '}' -> { at++; return end(out) }
                else -> fail(key, "expected ',' or '}' after the value")
            }
        }
    }

    private fun end(out: Map<String, String>): Map<String, String> {
        skipSpace()
        if (at != text.length) fail("(top level)", "nothing may follow the object")
        return out
    }

    private fun readString(field: String): String {
        at++ // the opening quote
        val sb = StringBuilder()
        while (true) {
            if (at >= text.length) fail(field, "a string is not closed")
            when (val c = text[at++]) {
                '"' -> return sb.toString()
                '\\' -> {
                    if (at >= text.length) fail(field, "a string is not closed")
                    when (val e = text[at++]) {
                        '"', '\\', '/' -> sb.append(e)
                        'n' -> sb.append('\n')
                        't' -> sb.append('\t')
                        'r' -> sb.append('\r')
                        'b' -> sb.append('\b')
                        'f' -> sb.append('\u000c')
                        'u' -> {
                            val hex = text.substring(at, minOf(at + 4, text.length))
                            val code = hex.takeIf { it.length == 4 }?.toIntOrNull(16)
                                ?: fail(field, "\\u needs four hex digits")
                            sb.append(code.toChar())
                            at += 4
                        }
                        else -> fail(field, "unknown escape \\$e")
                    }
                }
                else -> if (c < ' ') fail(field, "control character in a string") else sb.append(c)
            }
        }
    }

    private fun peek(): Char? = text.getOrNull(at)

    private fun skipSpace() {
        while (at < text.length && text[at] in " \t\r\n") at++
    }

    private fun expect(c: Char, rule: String) {
        if (peek() != c) fail("(top level)", rule)
        at++
    }

    private fun fail(field: String, rule: String): Nothing = throw OrganisationConfigException(field, rule)
}
