"""Cognito user pools, their clients and domains lifted to the ``user_pool``,
``user_pool_client`` and ``user_pool_domain`` kinds.
"""

from __future__ import annotations

from infrac.syntax import ir
from infrac.tools.migrate.importer.properties import (
    Decline,
    Properties,
    as_integer,
    as_link,
    as_mapping,
    as_name,
    as_seconds,
    as_text,
    as_texts,
    as_words,
    one_of,
)
from infrac.tools.migrate.source.model import Resource as SourceResource
from infrac.tools.migrate.source.model import Template

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

    from infrac.tools.migrate.importer.properties import Lifted

_POOL = "AWS::Cognito::UserPool"
_AUTH_FLOWS = {
    "user_srp": "ALLOW_USER_SRP_AUTH", "refresh_token": "ALLOW_REFRESH_TOKEN_AUTH",
    "user_password": "ALLOW_USER_PASSWORD_AUTH", "admin_user_password": "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "custom": "ALLOW_CUSTOM_AUTH",
}
_OAUTH_FLOWS = {k: k for k in ("code", "implicit", "client_credentials")}
#: A token's validity, the unit ``TokenValidityUnits`` gives it in, and the kind's attribute.
_VALIDITIES = (
    ("AccessTokenValidity", "AccessToken", "access_token_validity"),
    ("IdTokenValidity", "IdToken", "id_token_validity"),
    ("RefreshTokenValidity", "RefreshToken", "refresh_token_validity"),
)
_UNITS = {"minutes": 60, "hours": 3600, "days": 86400}
_VERIFIABLE = {"email": "email", "phone_number": "phone_number"}
_MFA = {"off": "OFF", "on": "ON", "optional": "OPTIONAL"}
_MFA_METHODS = {"totp": "SOFTWARE_TOKEN_MFA", "sms": "SMS_MFA", "email": "EMAIL_OTP"}
_RECOVERY = {k: k for k in ("verified_email", "verified_phone_number")}
_DATA_TYPES = {"String": "string", "Number": "number", "DateTime": "datetime", "Boolean": "boolean"}
#: The password policy's rules, each on unless the block says ``false``.
_PASSWORD_RULES = (
    ("RequireLowercase", "lowercase"), ("RequireUppercase", "uppercase"),
    ("RequireNumbers", "numbers"), ("RequireSymbols", "symbols"),
)
_DEFAULT_MIN_LENGTH = 8


def lift_user_pool_domain(resource: SourceResource, template: Template) -> Lifted:
    p = Properties(resource.properties)
    p.required("Domain", "domain", as_text)
    p.required("UserPoolId", "pool", as_link, template, _POOL)
    return p.lifted("user_pool_domain")


def lift_user_pool_client(resource: SourceResource, template: Template) -> Lifted:
    p = Properties(resource.properties)
    p.required("ClientName", "name", as_text)
    p.required("UserPoolId", "pool", as_link, template, _POOL)
    p.choice("GenerateSecret", "generate_secret", ((False, None), (True, ir.Bool(True))))
    p.optional("ExplicitAuthFlows", "auth_flows", as_words, _AUTH_FLOWS)
    p.choice("PreventUserExistenceErrors", "prevent_user_existence_errors", (("ENABLED", None), ("LEGACY", ir.Bool(False))))
    units = p.take("TokenValidityUnits", {})
    if not isinstance(units, dict):
        raise Decline
    units = Properties(units)
    for key, unit, name in _VALIDITIES:
        p.optional(key, name, _validity, units, unit)
    units.finish()  # a unit for a validity that is not written
    p.optional("SupportedIdentityProviders", "identity_providers", as_texts)
    if p.take("AllowedOAuthFlowsUserPoolClient") is True:
        oauth = p.group()
        oauth.required("AllowedOAuthFlows", "flows", as_words, _OAUTH_FLOWS)
        oauth.required("AllowedOAuthScopes", "scopes", as_texts)
        oauth.optional("CallbackURLs", "callback_urls", as_texts)
        oauth.optional("LogoutURLs", "logout_urls", as_texts)
        p.block(ir.Block("oauth", (), tuple(oauth.body)))
    return p.lifted("user_pool_client")


def lift_user_pool(resource: SourceResource, template: Template) -> Lifted:
    p = Properties(resource.properties)
    p.required("UserPoolName", "name", as_text)
    p.optional("UsernameAttributes", "username_attributes", as_words, _VERIFIABLE)
    p.optional("AutoVerifiedAttributes", "auto_verify", as_words, _VERIFIABLE)
    p.optional("MfaConfiguration", "mfa", _mfa)
    p.optional("EnabledMfas", "mfa_methods", as_words, _MFA_METHODS)
    p.optional("AccountRecoverySetting", "recovery", _recovery)
    p.optional("UserPoolTags", "tags", _pool_tags)
    if p.has("Policies"):
        p.block(_password(p.take("Policies")))
    p.each("Schema", _attribute)
    return p.lifted("user_pool")


def _validity(amount: Any, units: Properties, unit: str) -> ir.Number:
    """A token's validity, in the unit ``TokenValidityUnits`` gives it (taken with it)."""
    return as_seconds(as_integer(amount) * one_of(units.take(unit), _UNITS))


def _mfa(value: Any) -> ir.Symbol:
    return ir.Symbol(one_of(value, {v: k for k, v in _MFA.items()}))


def _recovery(value: Any) -> ir.List:
    """The recovery mechanisms, in the order of their priorities (1, 2...)."""
    mechanisms = as_mapping(value, ("RecoveryMechanisms",))["RecoveryMechanisms"]
    if not isinstance(mechanisms, list) or [
        m.get("Priority") if isinstance(m, dict) else None for m in mechanisms
    ] != list(range(1, len(mechanisms) + 1)):
        raise Decline
    return as_words([m.get("Name") for m in mechanisms], _RECOVERY)


def _pool_tags(value: Any) -> ir.Map:
    """``UserPoolTags``: a mapping, unlike other resources' tags."""
    if not isinstance(value, dict):
        raise Decline
    return ir.Map(tuple(ir.Entry(k, as_text(v)) for k, v in value.items()))


def _password(policies: Any) -> ir.Block:
    policy = as_mapping(policies, ("PasswordPolicy",))["PasswordPolicy"]
    required = ("MinimumLength", *(key for key, _ in _PASSWORD_RULES))
    p = Properties(as_mapping(policy, required, ("TemporaryPasswordValidityDays",)))
    length = as_integer(p.take("MinimumLength"))
    if length != _DEFAULT_MIN_LENGTH:
        p.attribute("min_length", ir.Number(length))
    for key, name in _PASSWORD_RULES:
        p.choice(key, name, ((True, None), (False, ir.Bool(False))))
    p.optional("TemporaryPasswordValidityDays", "temporary_validity", _days)
    return ir.Block("password", (), tuple(p.finish()))


def _days(value: Any) -> ir.Number:
    return ir.Number(as_integer(value), "d")


def _attribute(entry: Any) -> ir.Block:
    """A ``Schema`` entry: a custom attribute of the pool."""
    entry = as_mapping(entry, ("Name", "AttributeDataType", "Mutable"), ("Required",))
    data_type = one_of(entry["AttributeDataType"], _DATA_TYPES)
    required = entry.get("Required", False)
    if not isinstance(entry["Mutable"], bool) or required not in (True, False) or (required is False and "Required" in entry):
        raise Decline
    inner = []
    if data_type != "string":
        inner.append(ir.Attribute("type", ir.Symbol(data_type)))
    if required:
        inner.append(ir.Attribute("required", ir.Bool(True)))
    if entry["Mutable"] is not True:
        inner.append(ir.Attribute("mutable", ir.Bool(False)))
    return ir.Block("attribute", (as_name(entry["Name"]),), tuple(inner))
