"""Signposting for key professionals (DESIGN §7)."""
