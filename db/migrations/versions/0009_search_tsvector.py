"""PostgreSQL full-text search: a stored tsvector of every paper (title weighted above abstract) under a
GIN index, in the `simple` configuration (no stemming, no stop words) over text tokenised as SQLite's FTS5
`unicode61 remove_diacritics 2` tokeniser does it. Nothing happens on SQLite, whose FTS5 index
(0003_reader_state) stays as it is.

PostgreSQL's own parser would read `encoder/decoder` as a file path, `https://github.com/x` as a URL
(no word `github`), `3.5` as one number, and, in a database with the C locale, `“quoted”` as one word and
`Ö` as an upper-case letter it cannot fold. So `radar_search_text` first turns the text into what
unicode61 sees: every character that is not a letter, a digit or a private-use character (Unicode
categories L*, N*, Co) separates words, combining marks (Mn) are dropped, Latin letters lose their
diacritics and letters are case-folded. Its tables come from Python 3.11's unicodedata (Unicode 14.0),
frozen here: a later Python must not change a stored index. Text that is all ASCII skips them.

As on SQLite, papers are indexed in batches, not as they are written: tokenising costs more than the
rest of an insert, so `papers.search_vector` starts NULL and db.search.sync_search_index fills the
papers whose vector is NULL (a partial index finds them) with `radar_search_vector(title, abstract)`;
the dashboard syncs before a search, the collector after a run, `radar db upgrade` and `radar db copy`
when they are done. A trigger keeps an indexed paper in step when an update changes its title or
abstract, whichever code path writes it (as SQLite's FTS5 triggers do). This migration leaves existing
papers to that first sync.

On PostgreSQL it also adds an index trending reads (see READING_SQL); the reading lists' covering indexes
came with 0006.

Revision ID: 0009_search_tsvector
Revises: 0008_subscriptions
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0009_search_tsvector"
down_revision: str | None = "0008_subscriptions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Characters outside ASCII that separate words: neither letters, digits, private use nor combining marks.
SEPARATORS = (
    r"\u0080-\u00a9\u00ab-\u00b1\u00b4\u00b6-\u00b8\u00bb\u00bf\u00d7\u00f7\u02c2-\u02c5\u02d2-\u02df"
    r"\u02e5-\u02eb\u02ed\u02ef-\u02ff\u0375\u037e\u0384-\u0385\u0387\u03f6\u0482\u0488-\u0489\u055a-"
    r"\u055f\u0589-\u058f\u05be\u05c0\u05c3\u05c6\u05f3-\u060f\u061b-\u061f\u066a-\u066d\u06d4\u06dd-"
    r"\u06de\u06e9\u06fd-\u06fe\u0700-\u070f\u07f6-\u07f9\u07fe-\u07ff\u0830-\u083e\u085e\u0888\u0890-"
    r"\u0891\u08e2\u0903\u093b\u093e-\u0940\u0949-\u094c\u094e-\u094f\u0964-\u0965\u0970\u0982-\u0983"
    r"\u09be-\u09c0\u09c7-\u09cc\u09d7\u09f2-\u09f3\u09fa-\u09fb\u09fd\u0a03\u0a3e-\u0a40\u0a76\u0a83"
    r"\u0abe-\u0ac0\u0ac9-\u0acc\u0af0-\u0af1\u0b02-\u0b03\u0b3e\u0b40\u0b47-\u0b4c\u0b57\u0b70\u0bbe-"
    r"\u0bbf\u0bc1-\u0bcc\u0bd7\u0bf3-\u0bfa\u0c01-\u0c03\u0c41-\u0c44\u0c77\u0c7f\u0c82-\u0c84\u0cbe"
    r"\u0cc0-\u0cc4\u0cc7-\u0ccb\u0cd5-\u0cd6\u0d02-\u0d03\u0d3e-\u0d40\u0d46-\u0d4c\u0d4f\u0d57\u0d79"
    r"\u0d82-\u0d83\u0dcf-\u0dd1\u0dd8-\u0ddf\u0df2-\u0df4\u0e3f\u0e4f\u0e5a-\u0e5b\u0f01-\u0f17"
    r"\u0f1a-\u0f1f\u0f34\u0f36\u0f38\u0f3a-\u0f3f\u0f7f\u0f85\u0fbe-\u0fc5\u0fc7-\u0fda\u102b-\u102c"
    r"\u1031\u1038\u103b-\u103c\u104a-\u104f\u1056-\u1057\u1062-\u1064\u1067-\u106d\u1083-\u1084"
    r"\u1087-\u108c\u108f\u109a-\u109c\u109e-\u109f\u10fb\u1360-\u1368\u1390-\u1399\u1400\u166d-\u166e"
    r"\u1680\u169b-\u169c\u16eb-\u16ed\u1715\u1734-\u1736\u17b6\u17be-\u17c5\u17c7-\u17c8\u17d4-\u17d6"
    r"\u17d8-\u17db\u1800-\u180a\u180e\u1923-\u1926\u1929-\u1931\u1933-\u1938\u1940-\u1945\u19de-"
    r"\u19ff\u1a19-\u1a1a\u1a1e-\u1a1f\u1a55\u1a57\u1a61\u1a63-\u1a64\u1a6d-\u1a72\u1aa0-\u1aa6\u1aa8-"
    r"\u1aad\u1abe\u1b04\u1b35\u1b3b\u1b3d-\u1b41\u1b43-\u1b44\u1b5a-\u1b6a\u1b74-\u1b7e\u1b82\u1ba1"
    r"\u1ba6-\u1ba7\u1baa\u1be7\u1bea-\u1bec\u1bee\u1bf2-\u1bff\u1c24-\u1c2b\u1c34-\u1c35\u1c3b-\u1c3f"
    r"\u1c7e-\u1c7f\u1cc0-\u1cc7\u1cd3\u1ce1\u1cf7\u1fbd\u1fbf-\u1fc1\u1fcd-\u1fcf\u1fdd-\u1fdf\u1fed-"
    r"\u1fef\u1ffd-\u206f\u207a-\u207e\u208a-\u208e\u20a0-\u20c0\u20dd-\u20e0\u20e2-\u20e4\u2100-"
    r"\u2101\u2103-\u2106\u2108-\u2109\u2114\u2116-\u2118\u211e-\u2123\u2125\u2127\u2129\u212e\u213a-"
    r"\u213b\u2140-\u2144\u214a-\u214d\u214f\u218a-\u244a\u249c-\u24e9\u2500-\u2775\u2794-\u2bff"
    r"\u2ce5-\u2cea\u2cf9-\u2cfc\u2cfe-\u2cff\u2d70\u2e00-\u2e2e\u2e30-\u3004\u3008-\u3020\u302e-"
    r"\u3030\u3036-\u3037\u303d-\u303f\u309b-\u309c\u30a0\u30fb\u3190-\u3191\u3196-\u319f\u31c0-\u31e3"
    r"\u3200-\u321e\u322a-\u3247\u3250\u3260-\u327f\u328a-\u32b0\u32c0-\u33ff\u4dc0-\u4dff\ua490-"
    r"\ua4c6\ua4fe-\ua4ff\ua60d-\ua60f\ua670-\ua673\ua67e\ua6f2-\ua716\ua720-\ua721\ua789-\ua78a"
    r"\ua823-\ua824\ua827-\ua82b\ua836-\ua839\ua874-\ua881\ua8b4-\ua8c3\ua8ce-\ua8cf\ua8f8-\ua8fa"
    r"\ua8fc\ua92e-\ua92f\ua952-\ua95f\ua983\ua9b4-\ua9b5\ua9ba-\ua9bb\ua9be-\ua9cd\ua9de-\ua9df"
    r"\uaa2f-\uaa30\uaa33-\uaa34\uaa4d\uaa5c-\uaa5f\uaa77-\uaa79\uaa7b\uaa7d\uaade-\uaadf\uaaeb\uaaee-"
    r"\uaaf1\uaaf5\uab5b\uab6a-\uab6b\uabe3-\uabe4\uabe6-\uabe7\uabe9-\uabec\ufb29\ufbb2-\ufbc2\ufd3e-"
    r"\ufd4f\ufdcf\ufdfc-\ufdff\ufe10-\ufe19\ufe30-\ufe6b\ufeff-\uff0f\uff1a-\uff20\uff3b-\uff40"
    r"\uff5b-\uff65\uffe0-\ufffd\U00010100-\U00010102\U00010137-\U0001013f\U00010179-\U00010189"
    r"\U0001018c-\U000101fc\U0001039f\U000103d0\U0001056f\U00010857\U00010877-\U00010878\U0001091f"
    r"\U0001093f\U00010a50-\U00010a58\U00010a7f\U00010ac8\U00010af0-\U00010af6\U00010b39-\U00010b3f"
    r"\U00010b99-\U00010b9c\U00010ead\U00010f55-\U00010f59\U00010f86-\U00010f89\U00011000\U00011002"
    r"\U00011047-\U0001104d\U00011082\U000110b0-\U000110b2\U000110b7-\U000110b8\U000110bb-\U000110c1"
    r"\U000110cd\U0001112c\U00011140-\U00011143\U00011145-\U00011146\U00011174-\U00011175\U00011182"
    r"\U000111b3-\U000111b5\U000111bf-\U000111c0\U000111c5-\U000111c8\U000111cd-\U000111ce\U000111db"
    r"\U000111dd-\U000111df\U0001122c-\U0001122e\U00011232-\U00011233\U00011235\U00011238-\U0001123d"
    r"\U000112a9\U000112e0-\U000112e2\U00011302-\U00011303\U0001133e-\U0001133f\U00011341-\U0001134d"
    r"\U00011357\U00011362-\U00011363\U00011435-\U00011437\U00011440-\U00011441\U00011445\U0001144b-"
    r"\U0001144f\U0001145a-\U0001145d\U000114b0-\U000114b2\U000114b9\U000114bb-\U000114be\U000114c1"
    r"\U000114c6\U000115af-\U000115b1\U000115b8-\U000115bb\U000115be\U000115c1-\U000115d7\U00011630-"
    r"\U00011632\U0001163b-\U0001163c\U0001163e\U00011641-\U00011643\U00011660-\U0001166c\U000116ac"
    r"\U000116ae-\U000116af\U000116b6\U000116b9\U00011720-\U00011721\U00011726\U0001173c-\U0001173f"
    r"\U0001182c-\U0001182e\U00011838\U0001183b\U00011930-\U00011938\U0001193d\U00011940\U00011942"
    r"\U00011944-\U00011946\U000119d1-\U000119d3\U000119dc-\U000119df\U000119e2\U000119e4\U00011a39"
    r"\U00011a3f-\U00011a46\U00011a57-\U00011a58\U00011a97\U00011a9a-\U00011a9c\U00011a9e-\U00011aa2"
    r"\U00011c2f\U00011c3e\U00011c41-\U00011c45\U00011c70-\U00011c71\U00011ca9\U00011cb1\U00011cb4"
    r"\U00011d8a-\U00011d8e\U00011d93-\U00011d94\U00011d96\U00011ef5-\U00011ef8\U00011fd5-\U00011fff"
    r"\U00012470-\U00012474\U00012ff1-\U00012ff2\U00013430-\U00013438\U00016a6e-\U00016a6f\U00016af5"
    r"\U00016b37-\U00016b3f\U00016b44-\U00016b45\U00016e97-\U00016e9a\U00016f51-\U00016f87\U00016fe2"
    r"\U00016ff0-\U00016ff1\U0001bc9c\U0001bc9f-\U0001bca3\U0001cf50-\U0001d166\U0001d16a-\U0001d17a"
    r"\U0001d183-\U0001d184\U0001d18c-\U0001d1a9\U0001d1ae-\U0001d241\U0001d245\U0001d300-\U0001d356"
    r"\U0001d6c1\U0001d6db\U0001d6fb\U0001d715\U0001d735\U0001d74f\U0001d76f\U0001d789\U0001d7a9"
    r"\U0001d7c3\U0001d800-\U0001d9ff\U0001da37-\U0001da3a\U0001da6d-\U0001da74\U0001da76-\U0001da83"
    r"\U0001da85-\U0001da8b\U0001e14f\U0001e2ff\U0001e95e-\U0001e95f\U0001ecac\U0001ecb0\U0001ed2e"
    r"\U0001eef0-\U0001f0f5\U0001f10d-\U0001fbca\U000e0001-\U000e007f"
)

# Combining marks (Mn), which unicode61 drops: `cafe\u0301s` is the word `cafes`.
MARKS = (
    r"\u0300-\u036f\u0483-\u0487\u0591-\u05bd\u05bf\u05c1-\u05c2\u05c4-\u05c5\u05c7\u0610-\u061a"
    r"\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e4\u06e7-\u06e8\u06ea-\u06ed\u0711\u0730-\u074a"
    r"\u07a6-\u07b0\u07eb-\u07f3\u07fd\u0816-\u0819\u081b-\u0823\u0825-\u0827\u0829-\u082d\u0859-"
    r"\u085b\u0898-\u089f\u08ca-\u08e1\u08e3-\u0902\u093a\u093c\u0941-\u0948\u094d\u0951-\u0957\u0962-"
    r"\u0963\u0981\u09bc\u09c1-\u09c4\u09cd\u09e2-\u09e3\u09fe-\u0a02\u0a3c\u0a41-\u0a51\u0a70-\u0a71"
    r"\u0a75\u0a81-\u0a82\u0abc\u0ac1-\u0ac8\u0acd\u0ae2-\u0ae3\u0afa-\u0b01\u0b3c\u0b3f\u0b41-\u0b44"
    r"\u0b4d-\u0b56\u0b62-\u0b63\u0b82\u0bc0\u0bcd\u0c00\u0c04\u0c3c\u0c3e-\u0c40\u0c46-\u0c56\u0c62-"
    r"\u0c63\u0c81\u0cbc\u0cbf\u0cc6\u0ccc-\u0ccd\u0ce2-\u0ce3\u0d00-\u0d01\u0d3b-\u0d3c\u0d41-\u0d44"
    r"\u0d4d\u0d62-\u0d63\u0d81\u0dca\u0dd2-\u0dd6\u0e31\u0e34-\u0e3a\u0e47-\u0e4e\u0eb1\u0eb4-\u0ebc"
    r"\u0ec8-\u0ecd\u0f18-\u0f19\u0f35\u0f37\u0f39\u0f71-\u0f7e\u0f80-\u0f84\u0f86-\u0f87\u0f8d-\u0fbc"
    r"\u0fc6\u102d-\u1030\u1032-\u1037\u1039-\u103a\u103d-\u103e\u1058-\u1059\u105e-\u1060\u1071-"
    r"\u1074\u1082\u1085-\u1086\u108d\u109d\u135d-\u135f\u1712-\u1714\u1732-\u1733\u1752-\u1753\u1772-"
    r"\u1773\u17b4-\u17b5\u17b7-\u17bd\u17c6\u17c9-\u17d3\u17dd\u180b-\u180d\u180f\u1885-\u1886\u18a9"
    r"\u1920-\u1922\u1927-\u1928\u1932\u1939-\u193b\u1a17-\u1a18\u1a1b\u1a56\u1a58-\u1a60\u1a62\u1a65-"
    r"\u1a6c\u1a73-\u1a7f\u1ab0-\u1abd\u1abf-\u1b03\u1b34\u1b36-\u1b3a\u1b3c\u1b42\u1b6b-\u1b73\u1b80-"
    r"\u1b81\u1ba2-\u1ba5\u1ba8-\u1ba9\u1bab-\u1bad\u1be6\u1be8-\u1be9\u1bed\u1bef-\u1bf1\u1c2c-\u1c33"
    r"\u1c36-\u1c37\u1cd0-\u1cd2\u1cd4-\u1ce0\u1ce2-\u1ce8\u1ced\u1cf4\u1cf8-\u1cf9\u1dc0-\u1dff"
    r"\u20d0-\u20dc\u20e1\u20e5-\u20f0\u2cef-\u2cf1\u2d7f\u2de0-\u2dff\u302a-\u302d\u3099-\u309a\ua66f"
    r"\ua674-\ua67d\ua69e-\ua69f\ua6f0-\ua6f1\ua802\ua806\ua80b\ua825-\ua826\ua82c\ua8c4-\ua8c5\ua8e0-"
    r"\ua8f1\ua8ff\ua926-\ua92d\ua947-\ua951\ua980-\ua982\ua9b3\ua9b6-\ua9b9\ua9bc-\ua9bd\ua9e5\uaa29-"
    r"\uaa2e\uaa31-\uaa32\uaa35-\uaa36\uaa43\uaa4c\uaa7c\uaab0\uaab2-\uaab4\uaab7-\uaab8\uaabe-\uaabf"
    r"\uaac1\uaaec-\uaaed\uaaf6\uabe5\uabe8\uabed\ufb1e\ufe00-\ufe0f\ufe20-\ufe2f\U000101fd\U000102e0"
    r"\U00010376-\U0001037a\U00010a01-\U00010a0f\U00010a38-\U00010a3f\U00010ae5-\U00010ae6\U00010d24-"
    r"\U00010d27\U00010eab-\U00010eac\U00010f46-\U00010f50\U00010f82-\U00010f85\U00011001\U00011038-"
    r"\U00011046\U00011070\U00011073-\U00011074\U0001107f-\U00011081\U000110b3-\U000110b6\U000110b9-"
    r"\U000110ba\U000110c2\U00011100-\U00011102\U00011127-\U0001112b\U0001112d-\U00011134\U00011173"
    r"\U00011180-\U00011181\U000111b6-\U000111be\U000111c9-\U000111cc\U000111cf\U0001122f-\U00011231"
    r"\U00011234\U00011236-\U00011237\U0001123e\U000112df\U000112e3-\U000112ea\U00011300-\U00011301"
    r"\U0001133b-\U0001133c\U00011340\U00011366-\U00011374\U00011438-\U0001143f\U00011442-\U00011444"
    r"\U00011446\U0001145e\U000114b3-\U000114b8\U000114ba\U000114bf-\U000114c0\U000114c2-\U000114c3"
    r"\U000115b2-\U000115b5\U000115bc-\U000115bd\U000115bf-\U000115c0\U000115dc-\U000115dd\U00011633-"
    r"\U0001163a\U0001163d\U0001163f-\U00011640\U000116ab\U000116ad\U000116b0-\U000116b5\U000116b7"
    r"\U0001171d-\U0001171f\U00011722-\U00011725\U00011727-\U0001172b\U0001182f-\U00011837\U00011839-"
    r"\U0001183a\U0001193b-\U0001193c\U0001193e\U00011943\U000119d4-\U000119db\U000119e0\U00011a01-"
    r"\U00011a0a\U00011a33-\U00011a38\U00011a3b-\U00011a3e\U00011a47\U00011a51-\U00011a56\U00011a59-"
    r"\U00011a5b\U00011a8a-\U00011a96\U00011a98-\U00011a99\U00011c30-\U00011c3d\U00011c3f\U00011c92-"
    r"\U00011ca7\U00011caa-\U00011cb0\U00011cb2-\U00011cb3\U00011cb5-\U00011cb6\U00011d31-\U00011d45"
    r"\U00011d47\U00011d90-\U00011d91\U00011d95\U00011d97\U00011ef3-\U00011ef4\U00016af0-\U00016af4"
    r"\U00016b30-\U00016b36\U00016f4f\U00016f8f-\U00016f92\U00016fe4\U0001bc9d-\U0001bc9e\U0001cf00-"
    r"\U0001cf46\U0001d167-\U0001d169\U0001d17b-\U0001d182\U0001d185-\U0001d18b\U0001d1aa-\U0001d1ad"
    r"\U0001d242-\U0001d244\U0001da00-\U0001da36\U0001da3b-\U0001da6c\U0001da75\U0001da84\U0001da9b-"
    r"\U0001daaf\U0001e000-\U0001e02a\U0001e130-\U0001e136\U0001e2ae\U0001e2ec-\U0001e2ef\U0001e8d0-"
    r"\U0001e8d6\U0001e944-\U0001e94a\U000e0100-\U000e01ef"
)

# Letters and what they fold to: Latin without diacritics, then lower case (Greek, Cyrillic: lower case).
FOLD_FROM = (
    "ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞàáâãäåçèéêëìíîïñòóôõöùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĐĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĦĨ"
    "ĩĪīĬĭĮįİĲĴĵĶķĹĺĻļĽľĿŁŃńŅņŇňŊŌōŎŏŐőŒŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŦŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽžſƁƂƄƆƇƉƊƋƎƏƐƑƓƔƖƗƘƜ"
    "ƝƟƠơƢƤƦƧƩƬƮƯưƱƲƳƵƷƸƼǄǅǇǈǊǋǍǎǏǐǑǒǓǔǕǖǗǘǙǚǛǜǞǟǠǡǢǣǤǦǧǨǩǪǫǬǭǮǯǰǱǲǴǵǶǷǸǹǺǻǼǽǾǿȀȁȂȃȄȅȆȇȈȉȊȋȌȍȎȏȐȑȒȓȔȕ"
    "ȖȗȘșȚțȜȞȟȠȢȤȦȧȨȩȪȫȬȭȮȯȰȱȲȳȺȻȽȾɁɃɄɅɆɈɊɌɎͰͲͶͿΆΈΉΊΌΎΏΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩΪΫςϏϐϑϕϖϘϚϜϞϠϢϤϦϨϪϬϮϰϱ"
    "ϴϵϷϹϺϽϾϿЀЁЂЃЄЅІЇЈЉЊЋЌЍЎЏАБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯѠѢѤѦѨѪѬѮѰѲѴѶѸѺѼѾҀҊҌҎҐҒҔҖҘҚҜҞҠҢҤҦҨҪҬҮҰҲҴҶ"
    "ҸҺҼҾӀӁӃӅӇӉӋӍӐӒӔӖӘӚӜӞӠӢӤӦӨӪӬӮӰӲӴӶӸӺӼӾԀԂԄԆԈԊԌԎԐԒԔԖԘԚԜԞԠԢԤԦԨԪԬԮḀḁḂḃḄḅḆḇḈḉḊḋḌḍḎḏḐḑḒḓḔḕḖḗḘḙḚḛḜḝḞḟḠḡḢḣ"
    "ḤḥḦḧḨḩḪḫḬḭḮḯḰḱḲḳḴḵḶḷḸḹḺḻḼḽḾḿṀṁṂṃṄṅṆṇṈṉṊṋṌṍṎṏṐṑṒṓṔṕṖṗṘṙṚṛṜṝṞṟṠṡṢṣṤṥṦṧṨṩṪṫṬṭṮṯṰṱṲṳṴṵṶṷṸṹṺṻṼṽṾṿẀẁẂẃ"
    "ẄẅẆẇẈẉẊẋẌẍẎẏẐẑẒẓẔẕẖẗẘẙẛẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặẸẹẺẻẼẽẾếỀềỂểỄễỆệỈỉỊịỌọỎỏỐốỒồỔổỖỗỘộỚớỜờỞởỠỡỢợỤụỦủỨ"
    "ứỪừỬửỮữỰựỲỳỴỵỶỷỸỹỺỼỾἈἉἊἋἌἍἎἏἘἙἚἛἜἝἨἩἪἫἬἭἮἯἸἹἺἻἼἽἾἿὈὉὊὋὌὍὙὛὝὟὨὩὪὫὬὭὮὯᾸᾹᾺΆιῈΈῊΉῘῙῚΊῨῩῪΎῬῸΌῺΏ"
)

FOLD_TO = (
    "aaaaaaæceeeeiiiiðnoooooøuuuuyþaaaaaaceeeeiiiinooooouuuuyyaaaaaaccccccccddđeeeeeeeeeegggggggghhħi"
    "iiiiiiiiĳjjkkllllllŀłnnnnnnŋooooooœrrrrrrssssssssttttŧuuuuuuuuuuuuwwyyyzzzzzzsɓƃƅɔƈɖɗƌǝəɛƒɠɣɩɨƙɯ"
    "ɲɵooƣƥʀƨʃƭʈuuʊʋƴƶʒƹƽǆǆǉǉǌǌaaiioouuuuuuuuuuaaaaææǥggkkooooʒʒjǳǳggƕƿnnaaææøøaaaaeeeeiiiioooorrrruu"
    "uussttȝhhƞȣȥaaeeooooooooyyⱥȼƚⱦɂƀʉʌɇɉɋɍɏͱͳͷϳάέήίόύώαβγδεζηθικλμνξοπρστυφχψωϊϋσϗβθφπϙϛϝϟϡϣϥϧϩϫϭϯκρ"
    "θεϸϲϻͻͼͽѐёђѓєѕіїјљњћќѝўџабвгдежзийклмнопрстуфхцчшщъыьэюяѡѣѥѧѩѫѭѯѱѳѵѷѹѻѽѿҁҋҍҏґғҕҗҙқҝҟҡңҥҧҩҫҭүұҳҵҷ"
    "ҹһҽҿӏӂӄӆӈӊӌӎӑӓӕӗәӛӝӟӡӣӥӧөӫӭӯӱӳӵӷӹӻӽӿԁԃԅԇԉԋԍԏԑԓԕԗԙԛԝԟԡԣԥԧԩԫԭԯaabbbbbbccddddddddddeeeeeeeeeeffgghh"
    "hhhhhhhhiiiikkkkkkllllllllmmmmmmnnnnnnnnoooooooopppprrrrrrrrssssssssssttttttttuuuuuuuuuuvvvvwwww"
    "wwwwwwxxxxyyzzzzzzhtwysaaaaaaaaaaaaaaaaaaaaaaaaeeeeeeeeeeeeeeeeiiiioooooooooooooooooooooooouuuuu"
    "uuuuuuuuuyyyyyyyyỻỽỿἀἁἂἃἄἅἆἇἐἑἒἓἔἕἠἡἢἣἤἥἦἧἰἱἲἳἴἵἶἷὀὁὂὃὄὅὑὓὕὗὠὡὢὣὤὥὦὧᾰᾱὰάιὲέὴήῐῑὶίῠῡὺύῥὸόὼώ"
)

ASCII_SEPARATORS = r"\x01-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f"
SEARCH_TEXT_SQL = rf"""
CREATE FUNCTION radar_search_text(value text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $function$
SELECT CASE WHEN value ~ '^[\x01-\x7f]*$'
  THEN regexp_replace(value, '[{ASCII_SEPARATORS}]+', ' ', 'g')
  ELSE translate(
    regexp_replace(
      regexp_replace(value, '[{MARKS}]+', '', 'g'), '[{ASCII_SEPARATORS}{SEPARATORS}]+', ' ', 'g'
    ),
    '{FOLD_FROM}', '{FOLD_TO}'
  )
END
$function$
"""
# Title words weigh A, abstract words B: ranking counts a title hit more (db.search_postgres).
SEARCH_VECTOR_SQL = """
CREATE FUNCTION radar_search_vector(title text, abstract text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $function$
SELECT setweight(to_tsvector('simple'::regconfig, radar_search_text(coalesce(title, ''))), 'A')
  || setweight(to_tsvector('simple'::regconfig, radar_search_text(coalesce(abstract, ''))), 'B')
$function$
"""
REINDEX_SQL = (
    """
CREATE FUNCTION radar_search_reindex() RETURNS trigger LANGUAGE plpgsql AS $function$
BEGIN
  IF OLD.search_vector IS NOT NULL THEN
    NEW.search_vector := radar_search_vector(NEW.title, NEW.abstract);
  END IF;
  RETURN NEW;
END
$function$
""",
    "CREATE TRIGGER papers_search_reindex BEFORE UPDATE OF title, abstract ON papers FOR EACH ROW"
    " WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.abstract IS DISTINCT FROM NEW.abstract)"
    " EXECUTE FUNCTION radar_search_reindex()",
)
INDEXES_SQL = (
    "CREATE INDEX ix_papers_search_vector ON papers USING gin (search_vector)",
    # The papers the next sync indexes: empty once it has run, so it costs the inserts little.
    "CREATE INDEX ix_papers_unindexed ON papers (arxiv_id) WHERE search_vector IS NULL",
)
# Reading lists on PostgreSQL, measured at 1M papers: a topic's recent matches read each paper's dates
# from the heap (SQLite finds the row by rowid beside its index); with first_seen in the index they are
# index-only scans. The trending candidates of a topic probe a small index of the papers that have HF
# upvotes or stars instead of every recent match's row (about 13 ms to 1 ms).
READING_SQL = (
    "CREATE INDEX ix_papers_signals ON papers (arxiv_id) INCLUDE (published)"
    " WHERE hf_upvotes IS NOT NULL OR github_stars IS NOT NULL",
)
UNDO_READING_SQL = ("DROP INDEX ix_papers_signals",)


# A vector (about 3 kB) stays in the paper's row: TOASTed, checking one against a query took three
# lookups (the TOAST index, its chunks, decompression), and the newest 2,000 hits of a common word took
# 300 ms instead of 14 ms at 1M papers. Rows up to a page are no longer compressed or moved out either.
STORAGE_SQL = (
    "ALTER TABLE papers ADD COLUMN search_vector tsvector",
    "ALTER TABLE papers ALTER COLUMN search_vector SET STORAGE MAIN",
    "ALTER TABLE papers SET (toast_tuple_target = 8160)",
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in STORAGE_SQL:
        op.execute(statement)
    for statement in (SEARCH_TEXT_SQL, SEARCH_VECTOR_SQL, *REINDEX_SQL, *INDEXES_SQL, *READING_SQL):
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in UNDO_READING_SQL:
        op.execute(statement)
    op.execute("DROP TRIGGER papers_search_reindex ON papers")
    op.execute("ALTER TABLE papers DROP COLUMN search_vector")  # and its indexes
    op.execute("ALTER TABLE papers RESET (toast_tuple_target)")
    for function in ("radar_search_reindex()", "radar_search_vector(text, text)", "radar_search_text(text)"):
        op.execute(f"DROP FUNCTION {function}")
