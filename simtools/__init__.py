"""Tooling around the lessons: headless runs, sweeps, the gallery and site, launch cells.

Maintainers and sweep users run it (``python -m simtools run|sweep|prepare``); no notebook
imports it. The learner library is ``simhelpers``.
"""
