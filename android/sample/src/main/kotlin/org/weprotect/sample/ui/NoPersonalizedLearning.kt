// Every text field of the sample asks the keyboard not to learn from what is typed
// (EditorInfo.IME_FLAG_NO_PERSONALIZED_LEARNING): victims' names and addresses must not turn up
// as suggestions in other apps, or in the keyboard's cloud-synced dictionary. Compose has no
// KeyboardOptions flag for it; InterceptPlatformTextInput adds it to every input connection
// below it (the pattern of Compose's own InterceptPlatformTextInput sample).
package org.weprotect.sample.ui

import android.view.inputmethod.EditorInfo
import androidx.compose.runtime.Composable
import androidx.compose.ui.ExperimentalComposeUiApi
import androidx.compose.ui.platform.InterceptPlatformTextInput
import androidx.compose.ui.platform.PlatformTextInputMethodRequest

@OptIn(ExperimentalComposeUiApi::class)
@Composable
fun NoPersonalizedLearning(content: @Composable () -> Unit) {
    InterceptPlatformTextInput(
        interceptor = { request, nextHandler ->
            val noLearning = PlatformTextInputMethodRequest { outAttributes ->
                request.createInputConnection(outAttributes).also {
                    outAttributes.imeOptions = outAttributes.imeOptions or EditorInfo.IME_FLAG_NO_PERSONALIZED_LEARNING
                }
            }
            nextHandler.startInputMethod(noLearning)
        },
        content = content,
    )
}
