"""Materials (申请材料): files a company uploads for an application, kept outside the database."""
