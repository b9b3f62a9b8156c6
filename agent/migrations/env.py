from alembic import context
from sqlalchemy import create_engine, pool

from agent.crm import models as crm_models  # noqa: F401  (registers the tables)
from agent.db import Base
from agent.faq import models as faq_models  # noqa: F401
from agent.handoff import models as handoff_models  # noqa: F401
from agent.insight import models as insight_models  # noqa: F401
from agent.records import models  # noqa: F401

config = context.config


def run_migrations_online() -> None:
    engine = create_engine(config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
