"""Password policy for staff accounts (issue 11, item 14): one rule for the admin's user
forms, the password reset and `flask create-user`.

A password must have 10 to 200 characters and not be easy to guess: zxcvbn (Dropbox's
estimator, which knows common passwords, names, words, keyboard walks, dates, repeats
and l33t substitutions) must rate it at least 3 of 4 ("safely unguessable: moderate
protection from offline slow-hash attacks"). Its word lists are English; the
Vietnamese staples and the account's own names are added as words to penalise.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _
from zxcvbn import zxcvbn

MIN_LENGTH, MAX_LENGTH = 10, 200
MIN_SCORE = 4
_SCORED_CHARS = 72  # zxcvbn's own limit; the first 72 characters decide
VIETNAMESE_STAPLES = (
    "matkhau", "mat khau", "anhyeuem", "emyeuanh", "yeuem", "yeuanh", "vietnam", "hanoi",
    "saigon", "hochiminh", "danang", "noivu", "phongnoivu", "ubnd", "uybannhandan", "motcua",
    "sipas", "quantri", "phantich", "canbo", "xinchao", "chucmung", "hailong", "doimoi",
)


def password_problem(password: str, names: tuple[str | None, ...] = ()) -> str | None:
    """The reason `password` is refused, in the user's language; None when it is good.
    `names`: the account's username and full name, which must not carry the password."""
    if len(password) < MIN_LENGTH or len(password) > MAX_LENGTH:
        return _("Mật khẩu phải có từ %(min)d đến %(max)d ký tự.", min=MIN_LENGTH,
                 max=MAX_LENGTH)
    words = list(VIETNAMESE_STAPLES)
    for name in names:
        if name:
            words.append(name)
            words.extend(w for w in re.split(r"[\s._-]+", name) if len(w) >= 3)
    if zxcvbn(password[:_SCORED_CHARS], user_inputs=words)["score"] < MIN_SCORE:
        return _("Mật khẩu quá dễ đoán (mật khẩu phổ biến, dãy số hoặc dãy phím, tên "
                 "người, tên đăng nhập hay một từ thông dụng kèm vài chữ số). Hãy dùng "
                 "một cụm vài từ không liên quan, ví dụ \"ngay-mai-troi-mua-to\".")
    return None
