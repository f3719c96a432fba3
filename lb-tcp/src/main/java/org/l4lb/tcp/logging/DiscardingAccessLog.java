package org.l4lb.tcp.logging;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import java.io.OutputStream;
import org.slf4j.LoggerFactory;

/**
 * An access log that goes nowhere through the same machinery as the real one (the same pattern,
 * a queue and a writer thread): the warm-up's sessions log through it, so that the JIT has
 * compiled an access line's path too when the first clients' lines come, and nothing of them is
 * written.
 */
public final class DiscardingAccessLog implements AutoCloseable {

    private final Logger logger;

    private DiscardingAccessLog(Logger logger) {
        this.logger = logger;
    }

    /** Null when the logging is not Logback's (then the warm-up logs nothing). */
    public static DiscardingAccessLog open() {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return null;
        }
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(DefaultLogging.PATTERN);
        encoder.start();
        OutputStreamAppender<ILoggingEvent> sink = new OutputStreamAppender<>();
        sink.setContext(context);
        sink.setName("WARM-UP-SINK");
        sink.setEncoder(encoder);
        sink.setOutputStream(OutputStream.nullOutputStream());
        sink.start();
        AsyncAppender queue = new AsyncAppender();
        queue.setContext(context);
        queue.setName("WARM-UP-ACCESS");
        queue.setQueueSize(DefaultLogging.ACCESS_QUEUE);
        queue.setDiscardingThreshold(0);
        queue.setNeverBlock(true);
        queue.addAppender(sink);
        queue.start();
        Logger logger = context.getLogger("l4lb.warm-up.access");
        logger.setAdditive(false);
        logger.setLevel(Level.INFO);
        logger.addAppender(queue);
        return new DiscardingAccessLog(logger);
    }

    public org.slf4j.Logger logger() {
        return logger;
    }

    @Override
    public void close() {
        logger.setLevel(Level.OFF);
        logger.detachAndStopAllAppenders();
    }
}
