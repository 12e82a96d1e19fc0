"""Notifications: the in-app inbox and e-mail through a transactional outbox (DESIGN §7)."""
