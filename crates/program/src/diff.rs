//! Differences between two versions of a program, in plain words.
