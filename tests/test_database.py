from django.core.management import call_command
from django.db import connection


def test_models_and_migrations_agree(db):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_postgis_and_the_records_schema_exist(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT postgis_version()")
        assert cursor.fetchone()[0].startswith("3.")
        cursor.execute("SELECT ST_AsText(ST_SetSRID(ST_MakePoint(2.35, 48.85), 4326))")
        assert cursor.fetchone()[0] == "POINT(2.35 48.85)"
        cursor.execute("SELECT count(*) FROM information_schema.schemata WHERE schema_name = 'records'")
        assert cursor.fetchone()[0] == 1
        cursor.execute("SHOW server_version_num")
        assert int(cursor.fetchone()[0]) >= 150000
