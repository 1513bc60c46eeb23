"""Logins beyond the password: the second factor (TOTP and recovery codes, with
django-otp) and the officers' trail (who saw members' contact details, who decided
what, in which body)."""
