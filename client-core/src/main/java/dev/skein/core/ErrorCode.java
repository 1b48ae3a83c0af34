package dev.skein.core;

import dev.skein.core.errors.ApiException;
import dev.skein.core.errors.AuthenticationException;
import dev.skein.core.errors.AuthorizationException;
import dev.skein.core.errors.CoordinatorException;
import dev.skein.core.errors.CorruptRecordException;
import dev.skein.core.errors.GroupException;
import dev.skein.core.errors.InvalidRequestException;
import dev.skein.core.errors.NetworkException;
import dev.skein.core.errors.NotEnoughReplicasException;
import dev.skein.core.errors.NotLeaderException;
import dev.skein.core.errors.OffsetOutOfRangeException;
import dev.skein.core.errors.ProducerFencedException;
import dev.skein.core.errors.RebootstrapRequiredException;
import dev.skein.core.errors.RecordTooLargeException;
import dev.skein.core.errors.SequenceException;
import dev.skein.core.errors.SkeinException;
import dev.skein.core.errors.TimeoutException;
import dev.skein.core.errors.TopicExistsException;
import dev.skein.core.errors.TransactionException;
import dev.skein.core.errors.UnknownTopicException;
import dev.skein.core.errors.UnsupportedVersionException;

/**
 * Every error code of the Kafka protocol: its wire value, whether the failed operation may succeed
 * when retried, and the exception type that reports it. The table follows Apache Kafka {@code 4.3};
 * a code this build does not know decodes as {@link #UNKNOWN_SERVER_ERROR} (see {@link #forCode(int)}).
 */
public enum ErrorCode {
    UNKNOWN_SERVER_ERROR(-1, false, ApiException::new),
    NONE(0, false, ApiException::new),
    OFFSET_OUT_OF_RANGE(1, false, OffsetOutOfRangeException::new),
    CORRUPT_MESSAGE(2, true, CorruptRecordException::new),
    UNKNOWN_TOPIC_OR_PARTITION(3, true, UnknownTopicException::new),
    INVALID_FETCH_SIZE(4, false, InvalidRequestException::new),
    LEADER_NOT_AVAILABLE(5, true, NotLeaderException::new),
    NOT_LEADER_OR_FOLLOWER(6, true, NotLeaderException::new),
    REQUEST_TIMED_OUT(7, true, TimeoutException::new),
    BROKER_NOT_AVAILABLE(8, false, NetworkException::new),
    REPLICA_NOT_AVAILABLE(9, true, NotLeaderException::new),
    MESSAGE_TOO_LARGE(10, false, RecordTooLargeException::new),
    STALE_CONTROLLER_EPOCH(11, false, NotLeaderException::new),
    OFFSET_METADATA_TOO_LARGE(12, false, InvalidRequestException::new),
    NETWORK_EXCEPTION(13, true, NetworkException::new),
    COORDINATOR_LOAD_IN_PROGRESS(14, true, CoordinatorException::new),
    COORDINATOR_NOT_AVAILABLE(15, true, CoordinatorException::new),
    NOT_COORDINATOR(16, true, CoordinatorException::new),
    INVALID_TOPIC_EXCEPTION(17, false, InvalidRequestException::new),
    RECORD_LIST_TOO_LARGE(18, false, RecordTooLargeException::new),
    NOT_ENOUGH_REPLICAS(19, true, NotEnoughReplicasException::new),
    NOT_ENOUGH_REPLICAS_AFTER_APPEND(20, true, NotEnoughReplicasException::new),
    INVALID_REQUIRED_ACKS(21, false, InvalidRequestException::new),
    ILLEGAL_GENERATION(22, false, GroupException::new),
    INCONSISTENT_GROUP_PROTOCOL(23, false, GroupException::new),
    INVALID_GROUP_ID(24, false, InvalidRequestException::new),
    UNKNOWN_MEMBER_ID(25, false, GroupException::new),
    INVALID_SESSION_TIMEOUT(26, false, GroupException::new),
    REBALANCE_IN_PROGRESS(27, false, GroupException::new),
    INVALID_COMMIT_OFFSET_SIZE(28, false, InvalidRequestException::new),
    TOPIC_AUTHORIZATION_FAILED(29, false, AuthorizationException::new),
    GROUP_AUTHORIZATION_FAILED(30, false, AuthorizationException::new),
    CLUSTER_AUTHORIZATION_FAILED(31, false, AuthorizationException::new),
    INVALID_TIMESTAMP(32, false, InvalidRequestException::new),
    UNSUPPORTED_SASL_MECHANISM(33, false, AuthenticationException::new),
    ILLEGAL_SASL_STATE(34, false, AuthenticationException::new),
    UNSUPPORTED_VERSION(35, false, UnsupportedVersionException::new),
    TOPIC_ALREADY_EXISTS(36, false, TopicExistsException::new),
    INVALID_PARTITIONS(37, false, InvalidRequestException::new),
    INVALID_REPLICATION_FACTOR(38, false, InvalidRequestException::new),
    INVALID_REPLICA_ASSIGNMENT(39, false, InvalidRequestException::new),
    INVALID_CONFIG(40, false, InvalidRequestException::new),
    NOT_CONTROLLER(41, true, NotLeaderException::new),
    INVALID_REQUEST(42, false, InvalidRequestException::new),
    UNSUPPORTED_FOR_MESSAGE_FORMAT(43, false, InvalidRequestException::new),
    POLICY_VIOLATION(44, false, InvalidRequestException::new),
    OUT_OF_ORDER_SEQUENCE_NUMBER(45, false, SequenceException::new),
    DUPLICATE_SEQUENCE_NUMBER(46, false, SequenceException::new),
    INVALID_PRODUCER_EPOCH(47, false, ProducerFencedException::new),
    INVALID_TXN_STATE(48, false, TransactionException::new),
    INVALID_PRODUCER_ID_MAPPING(49, false, TransactionException::new),
    INVALID_TRANSACTION_TIMEOUT(50, false, TransactionException::new),
    CONCURRENT_TRANSACTIONS(51, true, TransactionException::new),
    TRANSACTION_COORDINATOR_FENCED(52, false, ProducerFencedException::new),
    TRANSACTIONAL_ID_AUTHORIZATION_FAILED(53, false, AuthorizationException::new),
    SECURITY_DISABLED(54, false, ApiException::new),
    OPERATION_NOT_ATTEMPTED(55, false, ApiException::new),
    KAFKA_STORAGE_ERROR(56, true, NotLeaderException::new),
    LOG_DIR_NOT_FOUND(57, false, ApiException::new),
    SASL_AUTHENTICATION_FAILED(58, false, AuthenticationException::new),
    UNKNOWN_PRODUCER_ID(59, false, SequenceException::new),
    REASSIGNMENT_IN_PROGRESS(60, false, ApiException::new),
    DELEGATION_TOKEN_AUTH_DISABLED(61, false, ApiException::new),
    DELEGATION_TOKEN_NOT_FOUND(62, false, ApiException::new),
    DELEGATION_TOKEN_OWNER_MISMATCH(63, false, ApiException::new),
    DELEGATION_TOKEN_REQUEST_NOT_ALLOWED(64, false, ApiException::new),
    DELEGATION_TOKEN_AUTHORIZATION_FAILED(65, false, AuthorizationException::new),
    DELEGATION_TOKEN_EXPIRED(66, false, ApiException::new),
    INVALID_PRINCIPAL_TYPE(67, false, InvalidRequestException::new),
    NON_EMPTY_GROUP(68, false, GroupException::new),
    GROUP_ID_NOT_FOUND(69, false, GroupException::new),
    FETCH_SESSION_ID_NOT_FOUND(70, true, ApiException::new),
    INVALID_FETCH_SESSION_EPOCH(71, true, ApiException::new),
    LISTENER_NOT_FOUND(72, true, ApiException::new),
    TOPIC_DELETION_DISABLED(73, false, ApiException::new),
    FENCED_LEADER_EPOCH(74, true, NotLeaderException::new),
    UNKNOWN_LEADER_EPOCH(75, true, NotLeaderException::new),
    UNSUPPORTED_COMPRESSION_TYPE(76, false, InvalidRequestException::new),
    STALE_BROKER_EPOCH(77, false, ApiException::new),
    OFFSET_NOT_AVAILABLE(78, true, ApiException::new),
    MEMBER_ID_REQUIRED(79, false, GroupException::new),
    PREFERRED_LEADER_NOT_AVAILABLE(80, true, NotLeaderException::new),
    GROUP_MAX_SIZE_REACHED(81, false, GroupException::new),
    FENCED_INSTANCE_ID(82, false, GroupException::new),
    ELIGIBLE_LEADERS_NOT_AVAILABLE(83, true, NotLeaderException::new),
    ELECTION_NOT_NEEDED(84, true, ApiException::new),
    NO_REASSIGNMENT_IN_PROGRESS(85, false, ApiException::new),
    GROUP_SUBSCRIBED_TO_TOPIC(86, false, GroupException::new),
    INVALID_RECORD(87, false, InvalidRequestException::new),
    UNSTABLE_OFFSET_COMMIT(88, true, GroupException::new),
    THROTTLING_QUOTA_EXCEEDED(89, true, ApiException::new),
    PRODUCER_FENCED(90, false, ProducerFencedException::new),
    RESOURCE_NOT_FOUND(91, false, ApiException::new),
    DUPLICATE_RESOURCE(92, false, ApiException::new),
    UNACCEPTABLE_CREDENTIAL(93, false, ApiException::new),
    INCONSISTENT_VOTER_SET(94, false, ApiException::new),
    INVALID_UPDATE_VERSION(95, false, InvalidRequestException::new),
    FEATURE_UPDATE_FAILED(96, false, ApiException::new),
    PRINCIPAL_DESERIALIZATION_FAILURE(97, false, AuthenticationException::new),
    SNAPSHOT_NOT_FOUND(98, false, ApiException::new),
    POSITION_OUT_OF_RANGE(99, false, ApiException::new),
    UNKNOWN_TOPIC_ID(100, true, UnknownTopicException::new),
    DUPLICATE_BROKER_REGISTRATION(101, false, ApiException::new),
    BROKER_ID_NOT_REGISTERED(102, false, ApiException::new),
    INCONSISTENT_TOPIC_ID(103, true, UnknownTopicException::new),
    INCONSISTENT_CLUSTER_ID(104, false, ApiException::new),
    TRANSACTIONAL_ID_NOT_FOUND(105, false, TransactionException::new),
    FETCH_SESSION_TOPIC_ID_ERROR(106, true, ApiException::new),
    INELIGIBLE_REPLICA(107, false, ApiException::new),
    NEW_LEADER_ELECTED(108, false, NotLeaderException::new),
    OFFSET_MOVED_TO_TIERED_STORAGE(109, false, ApiException::new),
    FENCED_MEMBER_EPOCH(110, false, GroupException::new),
    UNRELEASED_INSTANCE_ID(111, false, GroupException::new),
    UNSUPPORTED_ASSIGNOR(112, false, GroupException::new),
    STALE_MEMBER_EPOCH(113, false, GroupException::new),
    MISMATCHED_ENDPOINT_TYPE(114, false, ApiException::new),
    UNSUPPORTED_ENDPOINT_TYPE(115, false, ApiException::new),
    UNKNOWN_CONTROLLER_ID(116, false, NotLeaderException::new),
    UNKNOWN_SUBSCRIPTION_ID(117, false, ApiException::new),
    TELEMETRY_TOO_LARGE(118, false, ApiException::new),
    INVALID_REGISTRATION(119, false, ApiException::new),
    TRANSACTION_ABORTABLE(120, false, TransactionException::new),
    INVALID_RECORD_STATE(121, false, InvalidRequestException::new),
    SHARE_SESSION_NOT_FOUND(122, true, ApiException::new),
    INVALID_SHARE_SESSION_EPOCH(123, true, ApiException::new),
    FENCED_STATE_EPOCH(124, false, ApiException::new),
    INVALID_VOTER_KEY(125, false, ApiException::new),
    DUPLICATE_VOTER(126, false, ApiException::new),
    VOTER_NOT_FOUND(127, false, ApiException::new),
    INVALID_REGULAR_EXPRESSION(128, false, InvalidRequestException::new),
    REBOOTSTRAP_REQUIRED(129, false, RebootstrapRequiredException::new),
    STREAMS_INVALID_TOPOLOGY(130, false, ApiException::new),
    STREAMS_INVALID_TOPOLOGY_EPOCH(131, false, ApiException::new),
    STREAMS_TOPOLOGY_FENCED(132, false, ApiException::new),
    SHARE_SESSION_LIMIT_REACHED(133, true, ApiException::new),
    /** Kafka 4.4: DeleteGroups v3 could not delete a group; the per-group ErrorMessage says why. */
    GROUP_DELETION_FAILED(134, false, GroupException::new),
    /** Kafka 4.4 (KIP-1331): StreamsGroupTopologyDescriptionUpdate was not applied. */
    STREAMS_TOPOLOGY_DESCRIPTION_UPDATE_FAILED(135, false, ApiException::new),
    /** Kafka 4.4: UnregisterController named a controller that is not registered. */
    CONTROLLER_ID_NOT_REGISTERED(136, false, ApiException::new);

    private static final ErrorCode[] BY_CODE;

    static {
        int max = 0;
        for (ErrorCode e : values()) {
            max = Math.max(max, e.code);
        }
        BY_CODE = new ErrorCode[max + 1];
        for (ErrorCode e : values()) {
            if (e.code >= 0) {
                BY_CODE[e.code] = e;
            }
        }
    }

    private final short code;
    private final boolean retriable;
    private final Factory factory;

    ErrorCode(int code, boolean retriable, Factory factory) {
        this.code = (short) code;
        this.retriable = retriable;
        this.factory = factory;
    }

    /** The code on the wire. */
    public short code() {
        return code;
    }

    /** True when the operation that failed with this code may succeed if retried. */
    public boolean isRetriable() {
        return retriable;
    }

    /** The code for a wire value; unknown values map to {@link #UNKNOWN_SERVER_ERROR}. */
    public static ErrorCode forCode(int code) {
        if (code >= 0 && code < BY_CODE.length && BY_CODE[code] != null) {
            return BY_CODE[code];
        }
        return code == 0 ? NONE : UNKNOWN_SERVER_ERROR;
    }

    /**
     * The exception reporting this code, with {@code detail} (what failed, for which resource) and
     * the broker's own error message when it sent one.
     *
     * @throws IllegalStateException for {@link #NONE}, which is no error
     */
    public SkeinException exception(String detail, String brokerMessage) {
        if (this == NONE) {
            throw new IllegalStateException("NONE is not an error");
        }
        String msg = detail + ": " + name()
                + (brokerMessage == null || brokerMessage.isEmpty() ? "" : " (" + brokerMessage + ")");
        return factory.create(msg, this);
    }

    public SkeinException exception(String detail) {
        return exception(detail, null);
    }

    @FunctionalInterface
    interface Factory {
        SkeinException create(String message, ErrorCode code);
    }
}
