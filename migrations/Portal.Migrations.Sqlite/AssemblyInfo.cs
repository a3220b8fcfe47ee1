namespace Portal.Migrations.Sqlite;
