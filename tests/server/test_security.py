"""Signature checks, with expected values computed independently (hashlib/hmac directly)."""
import hashlib
import hmac

import pytest

from server.security import (anon, facebook_signature, facebook_signature_valid, tokens_equal,
                             zalo_signature, zalo_signature_valid)

BODY = '{"app_id":"123","event_name":"user_send_text","timestamp":"1700000000000","message":{"text":"Chào"}}'.encode()


def test_zalo_signature_is_plain_sha256_of_app_id_body_timestamp_secret():
    expected = hashlib.sha256(b"123" + BODY + b"1700000000000" + b"oa-secret").hexdigest()
    assert zalo_signature("123", BODY, "1700000000000", "oa-secret") == expected
    assert zalo_signature_valid(f"mac={expected}", "123", BODY, "1700000000000", "oa-secret")
    assert zalo_signature_valid(f"mac={expected.upper()}", "123", BODY, "1700000000000", "oa-secret")


def test_zalo_hmac_is_not_accepted():
    as_hmac = hmac.new(b"oa-secret", b"123" + BODY + b"1700000000000", hashlib.sha256).hexdigest()
    assert not zalo_signature_valid(f"mac={as_hmac}", "123", BODY, "1700000000000", "oa-secret")


@pytest.mark.parametrize("header,app_id,body,ts,secret", [
    (None, "123", BODY, "1700000000000", "oa-secret"),                      # missing
    ("", "123", BODY, "1700000000000", "oa-secret"),                        # empty
    ("mac=", "123", BODY, "1700000000000", "oa-secret"),                    # no value
    ("GOOD_NO_PREFIX", "123", BODY, "1700000000000", "oa-secret"),          # no "mac="
    ("mac=GOOD", "124", BODY, "1700000000000", "oa-secret"),                # other app id
    ("mac=GOOD", "123", BODY + b" ", "1700000000000", "oa-secret"),         # body changed
    ("mac=GOOD", "123", BODY, "1700000000001", "oa-secret"),                # timestamp changed
    ("mac=GOOD", "123", BODY, "1700000000000", "app-secret"),               # wrong key (app secret)
    ("mac=GOOD", "123", BODY, "", "oa-secret"),                             # no timestamp
])
def test_zalo_forgeries_are_refused(header, app_id, body, ts, secret):
    good = zalo_signature("123", BODY, "1700000000000", "oa-secret")
    if header is not None:
        header = header.replace("GOOD", good)
    assert not zalo_signature_valid(header, app_id, body, ts, secret)


def test_facebook_signature_is_hmac_sha256_of_the_raw_body():
    expected = "sha256=" + hmac.new(b"app-secret", BODY, hashlib.sha256).hexdigest()
    assert facebook_signature("app-secret", BODY) == expected
    assert facebook_signature_valid(expected, "app-secret", BODY)


@pytest.mark.parametrize("header", [
    None, "", "sha256=", "sha1=GOODHEX", "GOODHEX", "sha256=" + "0" * 64, "sha256=GOODHEXff",
])
def test_facebook_forgeries_are_refused(header):
    good = facebook_signature("app-secret", BODY).split("=", 1)[1]
    if header is not None:
        header = header.replace("GOODHEX", good)
    assert not facebook_signature_valid(header, "app-secret", BODY)
    assert not facebook_signature_valid(facebook_signature("app-secret", BODY), "other-secret", BODY)
    assert not facebook_signature_valid(facebook_signature("app-secret", BODY), "app-secret", BODY + b"x")


def test_legacy_sha1_signature_is_not_enough():
    sha1 = "sha1=" + hmac.new(b"app-secret", BODY, hashlib.sha1).hexdigest()
    assert not facebook_signature_valid(sha1, "app-secret", BODY)


def test_tokens_equal_and_anon():
    assert tokens_equal("verify-me", "verify-me")
    assert not tokens_equal("verify-m", "verify-me") and not tokens_equal("", "") and not tokens_equal(None, "x")
    assert anon("1234567890") == anon("1234567890") != anon("1234567891")
    assert "1234567890" not in anon("1234567890")
