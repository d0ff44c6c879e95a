"""Flask-WTF forms of the citizen pages.

The questions themselves are generated from the counter's instrument in the template and
checked by the submission service (one place for the rules); this form carries what is
not a question: the CSRF token, the one-time form token, the receipt token and the
honeypot.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField


class SurveyMetaForm(FlaskForm):
    form_token = HiddenField()
    d = HiddenField()  # the receipt (dossier) token, when the citizen came from a receipt
    # Honeypot: hidden from people by CSS; a bot that fills every input gives itself away.
    website = StringField(render_kw={"autocomplete": "off", "tabindex": "-1"})
