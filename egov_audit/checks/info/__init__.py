"""Information checks (info.*): the sections a portal must publish (CRITERIA.md §2, §5), one module each."""
