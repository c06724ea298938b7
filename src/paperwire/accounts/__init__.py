"""Identity: users, sessions, passwords, API tokens, login throttling and the account mails'
texts. Below the community: votes and comments name a user, a user knows nothing of them."""
