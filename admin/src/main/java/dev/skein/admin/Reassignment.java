package dev.skein.admin;

import java.util.List;

/** A reassignment in progress: the replicas now, and those being added and removed. */
public record Reassignment(List<Integer> replicas, List<Integer> adding, List<Integer> removing) {}
