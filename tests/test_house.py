"""The package's layers: what lower layers declare about the Client matches the Client."""
import restish
from restish.openapi import client_names
from restish.resources import CLIENT_ATTRIBUTES


def test_client_attributes_declared_below_the_client_are_the_clients():
    assert client_names(restish.Client) - {"self"} == CLIENT_ATTRIBUTES


def test_an_instance_has_no_public_attribute_beyond_the_declared_ones():
    api = restish.Client("http://h")
    assert {name for name in vars(api) if not name.startswith("_")} <= CLIENT_ATTRIBUTES


def test_the_client_takes_its_arguments_in_the_contracts_order():
    import inspect
    assert list(inspect.signature(restish.Client).parameters) == [
        "url", "resources", "defaults", "auth", "headers", "timeout", "retries", "verify", "app",
        "session", "expand", "trailing_slash", "on_token"]
