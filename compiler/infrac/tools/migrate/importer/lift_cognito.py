"""Cognito user pools, their clients and domains lifted to the ``user_pool``,
``user_pool_client`` and ``user_pool_domain`` kinds.
"""

from __future__ import annotations

import re

from infrac.syntax import ir
from infrac.tools.migrate.importer.properties import (
    Decline,
    as_link,
    as_seconds,
    as_text,
    as_texts,
    as_words,
    attr,
)
from infrac.tools.migrate.source.model import Resource as SourceResource
from infrac.tools.migrate.source.model import Template


def lift_user_pool_domain(resource: SourceResource, template: Template):
    p = dict(resource.properties)
    if set(p) != {"Domain", "UserPoolId"}:
        raise Decline
    return "user_pool_domain", [
        attr("domain", as_text(p["Domain"])),
        attr("pool", as_link(p["UserPoolId"], template, "AWS::Cognito::UserPool")),
    ], {}


_AUTH_FLOWS = {
    "user_srp": "ALLOW_USER_SRP_AUTH", "refresh_token": "ALLOW_REFRESH_TOKEN_AUTH",
    "user_password": "ALLOW_USER_PASSWORD_AUTH", "admin_user_password": "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "custom": "ALLOW_CUSTOM_AUTH",
}
_UNITS = {"minutes": 60, "hours": 3600, "days": 86400}


def lift_user_pool_client(resource: SourceResource, template: Template):
    p = dict(resource.properties)
    body: list[ir.Statement] = [
        attr("name", as_text(p.pop("ClientName", None))),
        attr("pool", as_link(p.pop("UserPoolId", None), template, "AWS::Cognito::UserPool")),
    ]
    secret = p.pop("GenerateSecret", None)
    if not isinstance(secret, bool):
        raise Decline
    if secret:
        body.append(attr("generate_secret", ir.Bool(True)))
    if "ExplicitAuthFlows" in p:
        body.append(attr("auth_flows", as_words(p.pop("ExplicitAuthFlows"), _AUTH_FLOWS)))
    prevent = p.pop("PreventUserExistenceErrors", None)
    if prevent == "LEGACY":
        body.append(attr("prevent_user_existence_errors", ir.Bool(False)))
    elif prevent != "ENABLED":
        raise Decline
    units = p.pop("TokenValidityUnits", {})
    if not isinstance(units, dict):
        raise Decline
    for prop, unit_key, field in (
        ("AccessTokenValidity", "AccessToken", "access_token_validity"),
        ("IdTokenValidity", "IdToken", "id_token_validity"),
        ("RefreshTokenValidity", "RefreshToken", "refresh_token_validity"),
    ):
        if prop in p:
            amount = p.pop(prop)
            unit = units.pop(unit_key, None)
            if not isinstance(amount, int) or isinstance(amount, bool) or not isinstance(unit, str) or unit not in _UNITS:
                raise Decline
            body.append(attr(field, as_seconds(amount * _UNITS[unit])))
    if units:
        raise Decline
    if "SupportedIdentityProviders" in p:
        body.append(attr("identity_providers", as_texts(p.pop("SupportedIdentityProviders"))))
    if p.pop("AllowedOAuthFlowsUserPoolClient", None) is True:
        inner: list[ir.Statement] = [
            attr("flows", as_words(p.pop("AllowedOAuthFlows", None), {k: k for k in ("code", "implicit", "client_credentials")})),
            attr("scopes", as_texts(p.pop("AllowedOAuthScopes", None))),
        ]
        if "CallbackURLs" in p:
            inner.append(attr("callback_urls", as_texts(p.pop("CallbackURLs"))))
        if "LogoutURLs" in p:
            inner.append(attr("logout_urls", as_texts(p.pop("LogoutURLs"))))
        body.append(ir.Block("oauth", (), tuple(inner)))
    if p:
        raise Decline
    return "user_pool_client", body, {}


_VERIFIABLE = {"email": "email", "phone_number": "phone_number"}
_MFA = {"off": "OFF", "on": "ON", "optional": "OPTIONAL"}
_MFA_METHODS = {"totp": "SOFTWARE_TOKEN_MFA", "sms": "SMS_MFA", "email": "EMAIL_OTP"}
_DATA_TYPES = {"String": "string", "Number": "number", "DateTime": "datetime", "Boolean": "boolean"}


def lift_user_pool(resource: SourceResource, template: Template):
    p = dict(resource.properties)
    body: list[ir.Statement] = [attr("name", as_text(p.pop("UserPoolName", None)))]
    for prop, field, choices in (
        ("UsernameAttributes", "username_attributes", _VERIFIABLE),
        ("AutoVerifiedAttributes", "auto_verify", _VERIFIABLE),
    ):
        if prop in p:
            body.append(attr(field, as_words(p.pop(prop), choices)))
    if "MfaConfiguration" in p:
        written = p.pop("MfaConfiguration")
        mfa = {v: k for k, v in _MFA.items()}.get(written) if isinstance(written, str) else None
        if mfa is None:
            raise Decline
        body.append(attr("mfa", ir.Symbol(mfa)))
    if "EnabledMfas" in p:
        body.append(attr("mfa_methods", as_words(p.pop("EnabledMfas"), _MFA_METHODS)))
    if "AccountRecoverySetting" in p:
        setting = p.pop("AccountRecoverySetting")
        mechanisms = setting.get("RecoveryMechanisms") if isinstance(setting, dict) and set(setting) == {"RecoveryMechanisms"} else None
        if not isinstance(mechanisms, list) or [m.get("Priority") if isinstance(m, dict) else None for m in mechanisms] != list(range(1, len(mechanisms) + 1)):
            raise Decline
        body.append(attr("recovery", as_words([m.get("Name") for m in mechanisms],
                                             {k: k for k in ("verified_email", "verified_phone_number")})))
    if "UserPoolTags" in p:
        tags = p.pop("UserPoolTags")
        if not isinstance(tags, dict):
            raise Decline
        body.append(attr("tags", ir.Map(tuple(ir.Entry(k, as_text(v)) for k, v in tags.items()))))
    blocks: list[ir.Statement] = []
    if "Policies" in p:
        policies = p.pop("Policies")
        policy = policies.get("PasswordPolicy") if isinstance(policies, dict) and set(policies) == {"PasswordPolicy"} else None
        keys = {"MinimumLength", "RequireLowercase", "RequireUppercase", "RequireNumbers", "RequireSymbols"}
        if not isinstance(policy, dict) or not keys <= set(policy) <= keys | {"TemporaryPasswordValidityDays"}:
            raise Decline
        inner: list[ir.Statement] = []
        length = policy["MinimumLength"]
        if not isinstance(length, int) or isinstance(length, bool):
            raise Decline
        if length != 8:
            inner.append(attr("min_length", ir.Number(length)))
        for key, field in (("RequireLowercase", "lowercase"), ("RequireUppercase", "uppercase"),
                           ("RequireNumbers", "numbers"), ("RequireSymbols", "symbols")):
            if not isinstance(policy[key], bool):
                raise Decline
            if policy[key] is not True:
                inner.append(attr(field, ir.Bool(False)))
        if "TemporaryPasswordValidityDays" in policy:
            days = policy["TemporaryPasswordValidityDays"]
            if not isinstance(days, int) or isinstance(days, bool):
                raise Decline
            inner.append(attr("temporary_validity", ir.Number(days, "d")))
        blocks.append(ir.Block("password", (), tuple(inner)))
    for entry in p.pop("Schema", None) or ():
        if not isinstance(entry, dict) or not {"Name", "AttributeDataType", "Mutable"} <= set(entry) <= {"Name", "AttributeDataType", "Mutable", "Required"}:
            raise Decline
        if not isinstance(entry["AttributeDataType"], str) or entry["AttributeDataType"] not in _DATA_TYPES \
                or not isinstance(entry["Mutable"], bool) or entry.get("Required", False) not in (True, False):
            raise Decline
        if entry.get("Required") is False or not isinstance(entry["Name"], str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", entry["Name"]):
            raise Decline
        inner = []
        if entry["AttributeDataType"] != "String":
            inner.append(attr("type", ir.Symbol(_DATA_TYPES[entry["AttributeDataType"]])))
        if entry.get("Required"):
            inner.append(attr("required", ir.Bool(True)))
        if entry["Mutable"] is not True:
            inner.append(attr("mutable", ir.Bool(False)))
        blocks.append(ir.Block("attribute", (ir.Symbol(entry["Name"]),), tuple(inner)))
    if p:
        raise Decline
    return "user_pool", body + blocks, {}
