package dev.skein.admin;

/** Principals as delegation-token calls name them: {@code Type:name}, such as {@code User:alice}. */
final class TokenPrincipals {
    private TokenPrincipals() {}

    /** The principal's type and name, split at the first colon. */
    static String[] split(String principal) {
        int colon = check(principal).indexOf(':');
        return new String[] {principal.substring(0, colon), principal.substring(colon + 1)};
    }

    static String check(String principal) {
        int colon = principal.indexOf(':');
        if (colon <= 0 || colon == principal.length() - 1) {
            throw new IllegalArgumentException("a principal is Type:name, such as User:alice, not " + principal);
        }
        return principal;
    }
}
