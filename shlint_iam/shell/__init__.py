"""The abstract shell interpreter: what a bash script would run, without running it."""
