"""Platform companies: the licence matters (``operations``: issue with the province's review
as an internal step, ``province``; and change), the market-regulation source (``sources``,
``rules``), and the register of licensed platforms (``register``)."""
