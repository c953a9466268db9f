"""The web app: JSON API, parents' chat, helpline look-up (see `app.build_app`)."""
