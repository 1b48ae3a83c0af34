package dev.skein.cli;

import dev.skein.consumer.ConsumerRecord;
import dev.skein.consumer.ShareRecord;
import dev.skein.core.Header;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * {@code consume --format}: {@code %t} topic, {@code %p} partition, {@code %o} offset, {@code %k} key,
 * {@code %v} value, {@code %T} timestamp, {@code %h} headers (k=v,k=v), {@code %%} a percent sign;
 * escapes {@code \n}, {@code \t} and {@code \\}. A null key or value prints as nothing.
 */
final class RecordFormat {
    private final String format;

    RecordFormat(String format) {
        this.format = format;
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c == '%' || c == '\\') {
                if (i + 1 >= format.length() || (c == '%' ? "tpokvTh%" : "nt\\").indexOf(format.charAt(i + 1)) < 0) {
                    throw new UsageException("--format: unknown " + (c == '%' ? "placeholder" : "escape") + " "
                            + format.substring(i, Math.min(format.length(), i + 2)) + " (placeholders: %t %p %o %k %v %T %h;"
                            + " escapes: \\n \\t)");
                }
                i++;
            }
        }
    }

    String apply(ConsumerRecord<String, String> r) {
        return apply(r.topic(), r.partition(), r.offset(), r.timestamp(), r.key(), r.value(), r.headers());
    }

    String apply(ShareRecord<String, String> r) {
        return apply(r.topic(), r.partition(), r.offset(), r.timestamp(), r.key(), r.value(), r.headers());
    }

    private String apply(String topic, int partition, long offset, long timestamp, String key, String value,
                         List<Header> headers) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c == '%') {
                char p = format.charAt(++i);
                switch (p) {
                    case 't' -> b.append(topic);
                    case 'p' -> b.append(partition);
                    case 'o' -> b.append(offset);
                    case 'k' -> b.append(key == null ? "" : key);
                    case 'v' -> b.append(value == null ? "" : value);
                    case 'T' -> b.append(timestamp);
                    case 'h' -> headers(b, headers);
                    default -> b.append('%');
                }
            } else if (c == '\\') {
                char e = format.charAt(++i);
                b.append(e == 'n' ? '\n' : e == 't' ? '\t' : '\\');
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static void headers(StringBuilder b, List<Header> headers) {
        boolean first = true;
        for (Header h : headers) {
            if (!first) {
                b.append(',');
            }
            first = false;
            b.append(h.key()).append('=');
            if (h.value() != null) {
                b.append(new String(h.value(), StandardCharsets.UTF_8));
            }
        }
    }
}
