"""Cognito: user pools, their app clients and their domains.

    user_pool Users {
      name                = "shop-{stage}-users"
      username_attributes = [email]
      password { min_length = 12 }
      export id, arn
    }
    user_pool_client Web {
      pool        = Users
      auth_flows  = [user_srp, refresh_token]
      export id
    }
    user_pool_domain Auth { pool = Users, domain = "shop-{stage}-auth" }

Consumers usually need the pool's ID and ARN and the client's ID: export them.
"""

from __future__ import annotations

from infrac.diagnostics import Diagnostic, diagnostic
from infrac.model import Block, Resource
from infrac.vocabulary.kinds import COMMON_FIELDS, NONE, Attribute, BlockKind, Field, Kind, RuleContext
from infrac.vocabulary.types import Boolean, Choice, Duration, Integer, LinkTo, ListOf, MapOf, Text

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

_VERIFIABLE = Choice({"email": "email", "phone_number": "phone_number"})

PASSWORD = BlockKind(
    "password",
    "The password policy.",
    {
        "min_length": Field(Integer(6, 99), "Minimum length (6-99).", default=8),
        "lowercase": Field(Boolean(), "Require a lower-case letter.", default=True),
        "uppercase": Field(Boolean(), "Require an upper-case letter.", default=True),
        "numbers": Field(Boolean(), "Require a digit.", default=True),
        "symbols": Field(Boolean(), "Require a symbol.", default=True),
        "temporary_validity": Field(Duration(86400, 365 * 86400), "How long a temporary password lasts, in days."),
    },
    label=NONE,
    repeated=False,
)

SCHEMA_ATTRIBUTE = BlockKind(
    "attribute",
    "An attribute of the users' profiles; its label is the attribute's name.",
    {
        "type": Field(
            Choice({"string": "String", "number": "Number", "datetime": "DateTime", "boolean": "Boolean"}),
            "`string`, `number`, `datetime` or `boolean`.",
            default="String",
        ),
        "required": Field(Boolean(), "Every user must have it.", default=False),
        "mutable": Field(Boolean(), "Users may change it.", default=True),
    },
)

POOL_FIELDS = {
    **COMMON_FIELDS,
    "name": Field(Text(), "The pool's name.", required=True),
    "username_attributes": Field(ListOf(_VERIFIABLE), "What users sign in with instead of a user name."),
    "auto_verify": Field(ListOf(_VERIFIABLE), "What Cognito verifies by itself."),
    "mfa": Field(Choice({"off": "OFF", "on": "ON", "optional": "OPTIONAL"}), "Multi-factor authentication."),
    "mfa_methods": Field(
        ListOf(Choice({"totp": "SOFTWARE_TOKEN_MFA", "sms": "SMS_MFA", "email": "EMAIL_OTP"})),
        "The second factors allowed: `totp`, `sms`, `email`.",
    ),
    "recovery": Field(
        ListOf(Choice({"verified_email": "verified_email", "verified_phone_number": "verified_phone_number"})),
        "How users recover their account, in order of priority.",
    ),
    "tags": Field(MapOf(Text()), "Tags, as a map from key to value."),
}


def _schema(block: Block) -> dict[str, Any]:
    entry: dict[str, Any] = {"Name": block.name, "AttributeDataType": block.values["type"]}
    if block.values["required"]:
        entry["Required"] = True
    entry["Mutable"] = block.values["mutable"]
    return entry


def pool_properties(pool: Resource) -> dict[str, Any]:
    v = pool.values
    props: dict[str, Any] = {"UserPoolName": v["name"]}
    if v.get("username_attributes"):
        props["UsernameAttributes"] = list(v["username_attributes"])
    if v.get("auto_verify"):
        props["AutoVerifiedAttributes"] = list(v["auto_verify"])
    if v.get("mfa"):
        props["MfaConfiguration"] = v["mfa"]
    if v.get("mfa_methods"):
        props["EnabledMfas"] = list(v["mfa_methods"])
    for block in pool.blocks.get("password", ()):
        p = block.values
        policy = {
            "MinimumLength": p["min_length"],
            "RequireLowercase": p["lowercase"],
            "RequireUppercase": p["uppercase"],
            "RequireNumbers": p["numbers"],
            "RequireSymbols": p["symbols"],
        }
        if p.get("temporary_validity") is not None:
            policy["TemporaryPasswordValidityDays"] = p["temporary_validity"] // 86400
        props["Policies"] = {"PasswordPolicy": policy}
    if v.get("recovery"):
        props["AccountRecoverySetting"] = {
            "RecoveryMechanisms": [{"Name": name, "Priority": i} for i, name in enumerate(v["recovery"], 1)]
        }
    if pool.blocks.get("attribute"):
        props["Schema"] = [_schema(b) for b in pool.blocks["attribute"]]
    if v.get("tags"):
        props["UserPoolTags"] = dict(v["tags"])
    return props


def _whole(resource: Resource, owner: Block | Resource, field: str, unit: int, words: str) -> list[Diagnostic]:
    seconds = owner.values.get(field)
    if seconds is None or seconds % unit == 0:
        return []
    return [
        diagnostic(
            "E0303",
            f"`{field}` must be a whole number of {words}",
            owner.value_spans.get(field, resource.name_span),
            label=f"Cognito counts it in {words}",
        )
    ]


def pool_rules(pool: Resource, context: RuleContext) -> list[Diagnostic]:
    return [d for block in pool.blocks.get("password", ()) for d in _whole(pool, block, "temporary_validity", 86400, "days")]


def client_rules(client: Resource, context: RuleContext) -> list[Diagnostic]:
    found = _whole(client, client, "access_token_validity", 60, "minutes")
    found += _whole(client, client, "id_token_validity", 60, "minutes")
    found += _whole(client, client, "refresh_token_validity", 60, "minutes")
    return found


USER_POOL = Kind(
    keyword="user_pool",
    cfn_type="AWS::Cognito::UserPool",
    doc="A Cognito user pool.",
    fields=POOL_FIELDS,
    blocks={"password": PASSWORD, "attribute": SCHEMA_ATTRIBUTE},
    attributes={
        "id": Attribute("id", "The user pool's ID."),
        "arn": Attribute("arn", "The user pool's ARN.", getatt="Arn"),
        "provider_name": Attribute("provider_name", "The pool's provider name.", getatt="ProviderName"),
        "provider_url": Attribute("provider_url", "The pool's provider URL.", getatt="ProviderURL"),
    },
    properties=pool_properties,
    rules=pool_rules,
    identifying=("id", "arn"),
)

OAUTH = BlockKind(
    "oauth",
    "OAuth 2.0 for the client.",
    {
        "flows": Field(
            ListOf(Choice({"code": "code", "implicit": "implicit", "client_credentials": "client_credentials"}), minimum=1),
            "`code`, `implicit`, `client_credentials`.",
            required=True,
        ),
        "scopes": Field(ListOf(Text(), minimum=1), "Scopes such as `openid`, `email`, `profile`.", required=True),
        "callback_urls": Field(ListOf(Text()), "Where Cognito may redirect after sign-in."),
        "logout_urls": Field(ListOf(Text()), "Where Cognito may redirect after sign-out."),
    },
    label=NONE,
    repeated=False,
)

_AUTH_FLOWS = Choice(
    {
        "user_srp": "ALLOW_USER_SRP_AUTH",
        "refresh_token": "ALLOW_REFRESH_TOKEN_AUTH",
        "user_password": "ALLOW_USER_PASSWORD_AUTH",
        "admin_user_password": "ALLOW_ADMIN_USER_PASSWORD_AUTH",
        "custom": "ALLOW_CUSTOM_AUTH",
    }
)

CLIENT_FIELDS = {
    **COMMON_FIELDS,
    "name": Field(Text(), "The client's name.", required=True),
    "pool": Field(LinkTo("user_pool", needs=("id",)), "The user pool.", required=True),
    "generate_secret": Field(Boolean(), "Give the client a secret (for servers, not browsers).", default=False),
    "auth_flows": Field(ListOf(_AUTH_FLOWS), "Sign-in flows: `user_srp`, `refresh_token`, `user_password`, ..."),
    "prevent_user_existence_errors": Field(
        Boolean(), "Answer alike whether a user exists or not.", default=True
    ),
    "access_token_validity": Field(Duration(300, 86400), "How long an access token lasts (5m to 1d)."),
    "id_token_validity": Field(Duration(300, 86400), "How long an ID token lasts (5m to 1d)."),
    "refresh_token_validity": Field(Duration(3600, 3650 * 86400), "How long a refresh token lasts (1h to 3650d)."),
    "identity_providers": Field(ListOf(Text()), 'Identity providers, such as `["COGNITO"]`.'),
}


def _validity(seconds: int, long: bool) -> tuple[int, str]:
    """Cognito counts validity in minutes, hours or days; tokens keep their fixed unit."""
    if long and seconds % 86400 == 0:
        return seconds // 86400, "days"
    return seconds // 60, "minutes"


def client_properties(client: Resource) -> dict[str, Any]:
    v = client.values
    props: dict[str, Any] = {
        "ClientName": v["name"],
        "UserPoolId": v["pool"].attribute("id"),
        "GenerateSecret": v["generate_secret"],
    }
    if v.get("auth_flows"):
        props["ExplicitAuthFlows"] = list(v["auth_flows"])
    props["PreventUserExistenceErrors"] = "ENABLED" if v["prevent_user_existence_errors"] else "LEGACY"
    units = {}
    for field, prop, unit_key, long in (
        ("access_token_validity", "AccessTokenValidity", "AccessToken", False),
        ("id_token_validity", "IdTokenValidity", "IdToken", False),
        ("refresh_token_validity", "RefreshTokenValidity", "RefreshToken", True),
    ):
        if v.get(field) is not None:
            props[prop], units[unit_key] = _validity(v[field], long)
    if units:
        props["TokenValidityUnits"] = units
    if v.get("identity_providers"):
        props["SupportedIdentityProviders"] = list(v["identity_providers"])
    for block in client.blocks.get("oauth", ()):
        o = block.values
        props["AllowedOAuthFlowsUserPoolClient"] = True
        props["AllowedOAuthFlows"] = list(o["flows"])
        props["AllowedOAuthScopes"] = list(o["scopes"])
        if o.get("callback_urls"):
            props["CallbackURLs"] = list(o["callback_urls"])
        if o.get("logout_urls"):
            props["LogoutURLs"] = list(o["logout_urls"])
    return props


USER_POOL_CLIENT = Kind(
    keyword="user_pool_client",
    cfn_type="AWS::Cognito::UserPoolClient",
    doc="An app client of a Cognito user pool.",
    fields=CLIENT_FIELDS,
    blocks={"oauth": OAUTH},
    attributes={"id": Attribute("id", "The app client's ID.")},
    properties=client_properties,
    rules=client_rules,
    identifying=("id",),
)

USER_POOL_DOMAIN = Kind(
    keyword="user_pool_domain",
    cfn_type="AWS::Cognito::UserPoolDomain",
    doc="The hosted sign-in domain of a Cognito user pool.",
    fields={
        **COMMON_FIELDS,
        "domain": Field(Text(), "The domain prefix, such as `shop-{stage}-auth`.", required=True),
        "pool": Field(LinkTo("user_pool", needs=("id",)), "The user pool.", required=True),
    },
    blocks={},
    attributes={
        "domain": Attribute("domain", "The domain."),
        "cloudfront_distribution": Attribute(
            "cloudfront_distribution", "The domain's CloudFront distribution.", getatt="CloudFrontDistribution"
        ),
    },
    properties=lambda domain: {"Domain": domain.values["domain"], "UserPoolId": domain.values["pool"].attribute("id")},
    identifying=("domain",),
)
