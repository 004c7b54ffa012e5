"""The citizen's pages inside the i厦门 app (H5), and the public pages a passenger opens.

Server-rendered pages on top of the operations the app's JSON API calls (``mobile_api``):
a driver applies, follows and rates their matters and shows their certificates; a company sees
its applications, licences and data feed; anybody checks a certificate, a car's plate or the
licensed platforms. ``session`` is the app's handoff (an identity assertion exchanged for a
page session), ``pages`` the signed-in pages, ``public`` the pages that need no sign-in,
``layout`` what they share.
"""
