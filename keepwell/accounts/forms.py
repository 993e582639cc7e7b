from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from keepwell.core.forms import Form, NHSFormMixin


class SignInForm(NHSFormMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "This account is switched off. Ask your coordinator.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs["autocomplete"] = "username"
        self.fields["password"].widget.attrs["autocomplete"] = "current-password"


class TokenForm(Form):
    name = forms.CharField(
        label="What will use this token?",
        max_length=100,
        help_text="For example: 'Practice clinical system' or 'weekly report script'",
    )


class TwoFactorForm(Form):
    token = forms.CharField(
        label="Security code",
        max_length=6,
        min_length=6,
        help_text="The 6-digit code from your authenticator app",
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "class": "nhsuk-input--width-10",
            }
        ),
        error_messages={
            "required": "Enter the 6-digit security code",
            "min_length": "The security code is 6 digits",
        },
    )

    def clean_token(self):
        token = self.cleaned_data["token"].replace(" ", "")
        if not token.isdigit():
            raise forms.ValidationError("The security code is 6 digits")
        return token
