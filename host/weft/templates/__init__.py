"""The app templates of ``weft new`` (see weft.scaffold): one folder each.

``__APP_ID__``, ``__APP_NAME__``, ``__APP_PACKAGE__`` and ``__APP_TITLE__`` in
their files are replaced when an app is made; ``gitignore`` becomes
``.gitignore`` (dotfiles do not survive every packaging step).
"""
