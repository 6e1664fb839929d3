"""Alembic environment: runs on the engine handed over by store.migrate."""

from __future__ import annotations

from alembic import context

import store.batch_models  # noqa: F401
from store.migrate import include_object
from store.models import Base

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()
