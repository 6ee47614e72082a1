"""The text-search configuration of full text: ``simple`` with ``unaccent`` in front of it.

``unaccent`` ships with PostgreSQL's contrib modules (in the server package on Debian since PostgreSQL 10).
The configuration is created once per database; records tables name it in their generated ``fts`` column
(``datasets.store.tables.SEARCH_CONFIG``), and every full-text query uses it, so both sides agree.
Only word types that may hold non-ASCII letters go through ``unaccent``: ASCII words skip the lookup.
"""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public;
DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_ts_config WHERE cfgname = 'ods_search' AND cfgnamespace = 'public'::regnamespace
    ) THEN
        CREATE TEXT SEARCH CONFIGURATION public.ods_search (COPY = pg_catalog.simple);
        ALTER TEXT SEARCH CONFIGURATION public.ods_search
            ALTER MAPPING FOR word, hword, hword_part, numword, numhword, hword_numpart
            WITH public.unaccent, pg_catalog.simple;
    END IF;
END
$$;
"""

# Refused while a records table's fts column still uses the configuration (no CASCADE: it would drop them).
DROP = "DROP TEXT SEARCH CONFIGURATION IF EXISTS public.ods_search;"


class Migration(migrations.Migration):
    dependencies = [("datasets", "0010_version_inference")]

    operations = [migrations.RunSQL(CREATE, reverse_sql=DROP)]
