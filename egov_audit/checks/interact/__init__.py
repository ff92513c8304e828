"""Interaction checks (interact.*): Q&A, question forms, consultation, forms to download, email, phone, social."""
