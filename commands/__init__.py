"""The command line's commands, one module each: ``add(sub)`` declares its arguments, ``run(args)`` parses
nothing more, calls the library and hands the result to a renderer, returning the exit code.

``cli.py`` builds the parser from them and owns the exit codes. The library and rich are imported inside
``run`` so that ``gradproof --help`` answers before SymPy and numpy load.
"""
