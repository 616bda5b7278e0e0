"""Statutory and merchant deadlines of a case: effective-dated legal rules, a pure engine, stored clocks.

``rules.py`` holds the law as versioned data, ``engine.py`` turns a case's facts into due dates,
``actions.py`` stores them as :class:`~retino_core.deadlines.models.CaseDeadline` rows and
``queries.py`` finds the ones that are overdue or due soon.
"""
