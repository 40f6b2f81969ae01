from peyvand.sales.tests.forecast_data import role_grants  # noqa: F401
