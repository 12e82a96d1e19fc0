"""The tamper-evident audit trail of every sign-in, search, view, change and admin
action."""
