"""The load benchmark (`make bench`): our server against a baseline, in one run."""
