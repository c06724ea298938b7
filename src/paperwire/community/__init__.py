"""The community: accounts, submissions, votes, comments, collections and trending."""
