"""Front ends: files that are not shell scripts but hold the shell programs a runner executes
(GitHub Actions workflows, Cloud Build configs, Makefiles). ``names`` says which files they are;
``document`` turns one into programs with positions in the file (``embedded``); the analysis
interprets them as one deployment."""
