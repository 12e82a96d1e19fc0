"""Who may use ContactPoint and how they sign in: organisations, users, roles,
sessions, machine tokens, and the one policy module that decides every action."""
