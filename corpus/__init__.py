"""The real-code development corpus: a list of public solutions, a fetcher and the torch oracle."""
