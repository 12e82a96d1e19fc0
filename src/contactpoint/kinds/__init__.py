"""The enumerations the domain names (a child's status, a user's role, ...), apart from
the tables that store them: pure, so the matcher and the access policy name them without
loading the ORM."""
