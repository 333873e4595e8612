"""Who is asking: users, their provider identities, sessions, roles and the request dependencies."""
