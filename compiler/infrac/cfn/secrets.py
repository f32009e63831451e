"""Secrets in CloudFormation: the one list of what must never be published or written in clear.

Two kinds of secret, each listed once here and read by the rule in
:mod:`infrac.passes.secrets` (whatever block declared the resource: a typed
kind such as ``user_pool_client`` or a generic ``resource "AWS::X::Y"``):

- **Secret attributes**: what ``Fn::GetAtt`` (or ``Ref``) returns in clear, such as an
  app client's ``ClientSecret`` or an access key's ``SecretAccessKey``. Such a value is
  never exported (an export is readable by every stack in the account and region),
  never written to a consumer's ``environment`` (readable by anyone who can read the
  function's configuration) nor its named ``values``. Inside its own stack it may be
  passed to another resource's property (for instance into a Secrets Manager secret).
- **Secret properties**: properties whose value is a password or a key, such as
  ``MasterUserPassword``. A literal string there ends up in the template, the
  repository and CloudFormation's console; it must be a dynamic reference,
  ``{{resolve:secretsmanager:...}}`` or ``{{resolve:ssm-secure:...}}``, which
  CloudFormation resolves at deploy time, or a reference to another resource.

Property names in :data:`SECRET_PROPERTY_NAMES` are secret in every type and at
every depth (``MasterUserOptions/MasterUserPassword`` of an OpenSearch domain);
:data:`SECRET_PROPERTIES` adds names secret only in one type. The schema-typed
resources extend these tables; nothing else in infrac lists secrets.

>>> is_secret_attribute("AWS::Cognito::UserPoolClient", "ClientSecret")
True
>>> is_secret_attribute("AWS::Cognito::UserPoolClient", "Name")
False
>>> is_secret_property("AWS::RDS::DBInstance", ("MasterUserPassword",))
True
>>> is_secret_property("AWS::OpenSearchService::Domain", ("AdvancedSecurityOptions", "MasterUserOptions", "MasterUserPassword"))
True
>>> is_dynamic_reference("{{resolve:secretsmanager:db:SecretString:password}}")
True
"""

from __future__ import annotations

import re
from collections.abc import Sequence

#: ``Fn::GetAtt`` attributes (``"Ref"`` for ``Ref``) whose value is a secret, by type.
SECRET_ATTRIBUTES: dict[str, frozenset[str]] = {
    "AWS::Cognito::UserPoolClient": frozenset({"ClientSecret"}),
    "AWS::IAM::AccessKey": frozenset({"SecretAccessKey"}),
    "AWS::AppSync::ApiKey": frozenset({"ApiKey"}),
    "AWS::IVS::IngestConfiguration": frozenset({"StreamKey"}),
    "AWS::EVS::Environment": frozenset({"Credentials"}),
    # Found in the resource schemas (tests/test_schemas.py lists what it looks for):
    "AWS::IVS::StreamKey": frozenset({"Value"}),
    "AWS::Route53GlobalResolver::AccessToken": frozenset({"Value"}),
    "AWS::ManagedBlockchain::Accessor": frozenset({"BillingToken"}),
}

#: Property names that hold a password or a key in every resource type, at any depth.
SECRET_PROPERTY_NAMES: frozenset[str] = frozenset(
    {
        "Password",
        "Passwords",
        "MasterUserPassword",
        "AdminPassword",
        "AdminUserPassword",
        "SvmAdminPassword",
        "TdeCredentialPassword",
        "ServiceAccountPassword",
        "AccountPassword",
        "AsmPassword",
        "AuthPassword",
        "SaslPassword",
        "SslClientKeyPassword",
        "AuthToken",
        "OauthToken",
        "AccessToken",
        "SecretToken",
        "SecretKey",
        "DomainSigningPrivateKey",
        "SecretString",
        "SecretAccessKey",
        "ClientSecret",
        "ApiKeyValue",
        "PrivateKey",
        "BasicAuthCredentials",
    }
)

#: Property names secret in one type only (a path, ``/``-separated, from the Properties root).
SECRET_PROPERTIES: dict[str, frozenset[str]] = {
    "AWS::Cognito::UserPoolIdentityProvider": frozenset({"ProviderDetails/client_secret"}),
    "AWS::Invoicing::ProcurementPortalPreference": frozenset({"ProcurementPortalSharedSecret"}),
}

#: Paths whose last name is in SECRET_PROPERTY_NAMES but that hold no secret, by type:
#: a user pool client's token validity units say "minutes" or "days".
NOT_SECRET_PROPERTIES: dict[str, frozenset[str]] = {
    "AWS::Cognito::UserPoolClient": frozenset({"TokenValidityUnits/AccessToken"}),
}

_DYNAMIC_REFERENCE = re.compile(r"\{\{resolve:(secretsmanager|ssm-secure):[^{}]+\}\}")


def is_secret_attribute(type_name: str, attribute: str) -> bool:
    """Whether ``Fn::GetAtt`` ``attribute`` (or ``"Ref"``) of a ``type_name`` resource is a secret."""
    return attribute in SECRET_ATTRIBUTES.get(type_name, frozenset())


def is_secret_property(type_name: str, path: Sequence[str]) -> bool:
    """Whether the property at ``path`` (names from the Properties root) holds a secret."""
    if not path:
        return False
    if "/".join(path) in NOT_SECRET_PROPERTIES.get(type_name, frozenset()):
        return False
    if path[-1] in SECRET_PROPERTY_NAMES:
        return True
    return "/".join(path) in SECRET_PROPERTIES.get(type_name, frozenset())


def is_dynamic_reference(text: str) -> bool:
    """Whether ``text`` is one dynamic reference to a secret that CloudFormation
    resolves at deploy time (Secrets Manager or an SSM SecureString)."""
    return _DYNAMIC_REFERENCE.fullmatch(text) is not None


#: What a diagnostic suggests instead of a literal secret, as written in a .infra string
#: (where ``{{`` is a literal brace).
DYNAMIC_REFERENCE_HINT = (
    'use a dynamic reference that CloudFormation resolves at deploy time: '
    '"{{{{resolve:secretsmanager:SECRET-NAME:SecretString:password}}}}" '
    "(braces are doubled in .infra strings), or let the service manage the password"
)
