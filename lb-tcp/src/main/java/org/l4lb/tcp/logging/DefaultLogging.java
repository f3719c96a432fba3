package org.l4lb.tcp.logging;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.ClassicConstants;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * The logging every node starts with, the same as examples/logback.xml, set up in code: reading
 * that XML cost about 620 classes (Logback's Joran and the JDK's XML parser) and 3 to 4 MiB that
 * stay for the life of the process. {@code -Dlogback.configurationFile=FILE} still replaces it:
 * this configurator then steps aside and Logback reads the file as usual.
 */
public final class DefaultLogging extends ContextAwareBase implements Configurator {

    static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger{0}: %msg%n";
    /** Access lines queued for the writer thread; past this, access lines (only those) are dropped. */
    static final int ACCESS_QUEUE = 65536;

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty(ClassicConstants.CONFIG_FILE_PROPERTY) != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();
        ConsoleAppender<ILoggingEvent> stdout = new ConsoleAppender<>();
        stdout.setContext(context);
        stdout.setName("STDOUT");
        stdout.setEncoder(encoder);
        stdout.start();

        // One access line per session, written from a queue so the event loops never wait on
        // stdout; with neverBlock a full queue drops access lines rather than stall traffic.
        AsyncAppender access = new AsyncAppender();
        access.setContext(context);
        access.setName("ACCESS");
        access.setQueueSize(ACCESS_QUEUE);
        access.setDiscardingThreshold(0);
        access.setNeverBlock(true);
        access.addAppender(stdout);
        access.start();

        Logger accessLogger = context.getLogger("access");
        accessLogger.setLevel(Level.INFO);
        accessLogger.setAdditive(false);
        accessLogger.addAppender(access);
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.INFO);
        root.addAppender(stdout);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
