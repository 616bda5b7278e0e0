"""The after-commit hook: side effects run once, after the real COMMIT, never after a savepoint."""

from retino_core.db import after_commit


def test_callbacks_wait_for_the_outer_commit_not_a_savepoint(session):
    ran: list[str] = []
    after_commit(session, lambda: ran.append("before savepoint"))
    with session.begin_nested():
        after_commit(session, lambda: ran.append("inside savepoint"))
    assert ran == []
    session.commit()
    assert ran == ["before savepoint", "inside savepoint"]


def test_a_rolled_back_savepoint_forgets_only_its_own_callbacks(session):
    ran: list[str] = []
    after_commit(session, lambda: ran.append("kept"))
    savepoint = session.begin_nested()
    after_commit(session, lambda: ran.append("dropped"))
    inner = session.begin_nested()
    after_commit(session, lambda: ran.append("dropped too"))
    inner.commit()
    savepoint.rollback()
    session.commit()
    assert ran == ["kept"]


def test_rollback_forgets_everything(session):
    ran: list[str] = []
    session.connection()
    after_commit(session, lambda: ran.append("never"))
    session.rollback()
    session.commit()
    assert ran == []
