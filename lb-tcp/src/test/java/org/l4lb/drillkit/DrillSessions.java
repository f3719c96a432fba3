package org.l4lb.drillkit;

import java.util.ArrayList;
import java.util.List;

/**
 * COUNT {@link DrillSession}s at once, a thread each, in one JVM; each line starts with the
 * session's number and a space. JDK only:
 * {@code java -cp DIR org.l4lb.drillkit.DrillSessions HOST PORT COUNT INTERVAL_MS DURATION_MS ANSWER_MS}.
 */
public final class DrillSessions {

    private DrillSessions() {
    }

    public static void main(String[] args) throws InterruptedException {
        int count = Integer.parseInt(args[2]);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String tag = i + " ";
            Thread t = new Thread(() -> DrillSession.run(args[0], Integer.parseInt(args[1]), Long.parseLong(args[3]),
                    Long.parseLong(args[4]), Integer.parseInt(args[5]), tag));
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join();
        }
    }
}
