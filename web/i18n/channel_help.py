"""The channel kinds' setting help, for translators: `connectors/` is a plain-Python leaf that cannot mark
strings, so the help text of each option (`connectors.base.Option.help`) is listed here as a msgid (a test
keeps the list equal to what `inbox.channels.accounts.kinds_catalogue` gives) and the channels page shows
`t(option.help)`."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

# each one a msgid; the test compares them with the leaf's own
OPTION_HELP = (
    _l("App settings > Basic: App secret"),
    _l("Basic configuration: AppSecret"),
    _l("Basic settings: Channel secret"),
    _l("HMAC key shared with the sender"),
    _l("HMAC key your server signs signed-in users' ids with"),
    _l("Messaging API: Channel access token (long-lived)"),
    _l("OAuth2 user token (tweet.read tweet.write users.read)"),
    _l("Server configuration: EncodingAESKey (for safe or compatible mode)"),
    _l("Server configuration: Token (chosen by you)"),
    _l("Settings and Development > Basic configuration: AppID"),
    _l("WhatsApp > API Setup: Phone number ID"),
    _l("WhatsApp Business Account ID (to list message templates)"),
    _l("a system user's permanent access token"),
    _l("chosen by you, typed into the app dashboard"),
    _l("chosen by you, typed into the webhook form"),
    _l("for script apps (password grant)"),
    _l("handle or DID"),
    _l("how far back the first poll reaches, in days (0: only what arrives from now on)"),
    _l("how long after an event its reply token is used; a later reply is pushed"),
    _l("inbox | mentions | messages"),
    _l("messages per poll"),
    _l("must be unique and descriptive"),
    _l("numeric id of the brand account"),
    _l('office hours {"timezone": "Asia/Bangkok", "days": {"mon": ["09:00", "18:00"]}}'),
    _l("origins that may show the widget, e.g. https://shop.example"),
    _l("replies come from this address"),
    _l("scopes read:notifications write:statuses"),
    _l("seconds for reply delivery"),
    _l("start over when the file ends, with fresh ids"),
    _l("the account's PDS"),
    _l("the bubble's colour (#rrggbb)"),
    _l("the feed URL"),
    _l("the first line visitors read (their language's default when empty)"),
    _l("the instance, e.g. https://mastodon.social"),
    _l("the linked Instagram professional account"),
    _l("the name visitors see on every reply"),
    _l("the secret_token given to setWebhook"),
    _l("what the pre-chat form asks: none, email or name_email"),
    _l("where agent replies are POSTed, signed the same way"),
    _l("where message content is read"),
)
