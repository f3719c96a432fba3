package org.l4lb.tcp.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.ClassicConstants;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The logging set up in code is the one examples/logback.xml shows operators, and steps aside for theirs. */
class DefaultLoggingTest {

    @Test
    void setsUpWhatTheExampleFileDescribes() throws Exception {
        LoggerContext inCode = new LoggerContext();
        DefaultLogging logging = new DefaultLogging();
        logging.setContext(inCode);
        assertThat(logging.configure(inCode)).isEqualTo(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);

        LoggerContext fromFile = new LoggerContext();
        JoranConfigurator joran = new JoranConfigurator();
        joran.setContext(fromFile);
        joran.doConfigure(Path.of("../examples/logback.xml").toFile());

        assertThat(shape(inCode)).isEqualTo(shape(fromFile));
        // The shape compared is not empty: the access logger writes through a non-blocking queue.
        assertThat(shape(inCode)).contains("access INFO additive=false",
                "ACCESS AsyncAppender queue=65536 discardingThreshold=0 neverBlock=true -> STDOUT");
    }

    @Test
    void stepsAsideForAConfigurationFile() {
        String before = System.getProperty(ClassicConstants.CONFIG_FILE_PROPERTY);
        System.setProperty(ClassicConstants.CONFIG_FILE_PROPERTY, "/etc/l4lb/logback.xml");
        try {
            LoggerContext context = new LoggerContext();
            DefaultLogging logging = new DefaultLogging();
            logging.setContext(context);
            assertThat(logging.configure(context)).isEqualTo(ExecutionStatus.INVOKE_NEXT_IF_ANY);
            assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).iteratorForAppenders().hasNext()).isFalse();
        } finally {
            if (before == null) {
                System.clearProperty(ClassicConstants.CONFIG_FILE_PROPERTY);
            } else {
                System.setProperty(ClassicConstants.CONFIG_FILE_PROPERTY, before);
            }
        }
    }

    /** Levels, additivity and appenders (with their settings) of the root and access loggers. */
    private static List<String> shape(LoggerContext context) {
        List<String> lines = new ArrayList<>();
        for (String name : List.of(Logger.ROOT_LOGGER_NAME, "access")) {
            Logger logger = context.getLogger(name);
            lines.add(name + " " + logger.getLevel() + " additive=" + logger.isAdditive());
            for (Iterator<Appender<ILoggingEvent>> it = logger.iteratorForAppenders(); it.hasNext(); ) {
                describe(it.next(), lines);
            }
        }
        return lines;
    }

    private static void describe(Appender<ILoggingEvent> appender, List<String> lines) {
        if (appender instanceof AsyncAppender async) {
            List<String> targets = new ArrayList<>();
            for (Iterator<Appender<ILoggingEvent>> it = async.iteratorForAppenders(); it.hasNext(); ) {
                Appender<ILoggingEvent> target = it.next();
                targets.add(target.getName());
                describe(target, lines);
            }
            lines.add(async.getName() + " AsyncAppender queue=" + async.getQueueSize() + " discardingThreshold="
                    + async.getDiscardingThreshold() + " neverBlock=" + async.isNeverBlock() + " -> "
                    + String.join(",", targets));
        } else if (appender instanceof ConsoleAppender<ILoggingEvent> console
                && console.getEncoder() instanceof PatternLayoutEncoder encoder) {
            lines.add(console.getName() + " ConsoleAppender " + console.getTarget() + " pattern=" + encoder.getPattern()
                    + " started=" + console.isStarted());
        } else {
            lines.add(appender.getName() + " " + appender.getClass().getName());
        }
    }
}
