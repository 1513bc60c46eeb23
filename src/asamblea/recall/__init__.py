"""Recall: petitions, recall votes, vacating seats and the cascade that refills them."""
