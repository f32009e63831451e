"""The secrets registry (infrac.cfn.secrets) and its rule, beyond the golden cases."""

from __future__ import annotations

import pytest

from infrac.base.source import SourceFile
from infrac.cfn import schemas, secrets
from infrac.project.pipeline import compile_sources


def codes(text: str) -> list[str]:
    return [d.code for d in compile_sources([SourceFile("main.infra", text)]).diagnostics]


def test_every_secret_attribute_is_an_attribute_of_its_type():
    # A misspelt entry would protect nothing: each must be a readable attribute in AWS's schema.
    for type_name, attributes in secrets.SECRET_ATTRIBUTES.items():
        schema = schemas.schema(type_name)
        assert schema is not None, type_name
        readable = {path.replace("/", ".") for path in schema.read_only}
        assert attributes <= readable, (type_name, attributes - readable)


def test_secret_properties_cover_the_write_only_passwords_of_common_databases():
    for type_name, path in [
        ("AWS::RDS::DBCluster", ("MasterUserPassword",)),
        ("AWS::RDS::DBInstance", ("MasterUserPassword",)),
        ("AWS::Redshift::Cluster", ("MasterUserPassword",)),
        ("AWS::ElastiCache::ReplicationGroup", ("AuthToken",)),
        ("AWS::SecretsManager::Secret", ("SecretString",)),
        ("AWS::IAM::User", ("LoginProfile", "Password")),
        ("AWS::Cognito::UserPoolIdentityProvider", ("ProviderDetails", "client_secret")),
    ]:
        assert secrets.is_secret_property(type_name, path), (type_name, path)
        assert "/".join(path) in schemas.schema(type_name).write_only or type_name.startswith("AWS::Cognito")
    assert not secrets.is_secret_property("AWS::RDS::DBInstance", ("MasterUsername",))


POOL = 'stack auth {\n  user_pool Pool { name = "p-{stage}" }\n'


@pytest.mark.parametrize(
    "client",
    [
        # typed: the kind has no such attribute at all
        '  user_pool_client Web { name = "w", pool = Pool, generate_secret = true\n    export client_secret\n  }\n',
        # generic: the registry refuses it
        '  resource "AWS::Cognito::UserPoolClient" Web {\n    properties = { UserPoolId: Pool.id }\n'
        "    export client_secret\n  }\n",
    ],
)
def test_client_secret_is_never_exported_whatever_block_declares_the_client(client):
    found = codes(POOL + client + "}\n")
    assert found and set(found) <= {"E0501", "E0610"}, found


@pytest.mark.parametrize(
    "value, ok",
    [
        ('"hunter2"', False),
        ("42", False),
        ('"{stage}"', False),
        ('"{{{{resolve:secretsmanager:db:SecretString:password}}}}"', True),
        ('"{{{{resolve:ssm-secure:/db/{stage}/password}}}}"', True),
        ('"{{{{resolve:ssm:/db/password}}}}"', False),  # plain SSM parameters are not secret
        ('"{{{{resolve:secretsmanager:a}}}} and more"', False),
    ],
)
def test_literal_password_needs_a_dynamic_reference(value, ok):
    text = f'stack data {{\n  resource "AWS::RDS::DBCluster" Db {{\n    properties = {{ Engine: "aurora-postgresql", MasterUsername: "admin", MasterUserPassword: {value} }}\n  }}\n}}\n'
    assert ("E0611" not in codes(text)) == ok
