package org.l4lb.tcp;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The packages of every module (lb-core, lb-ha, lb-tcp) form no cycle: each is a capability of its own. */
class PackageCyclesTest {

    @Test
    void noPackageDependsOnItselfThroughOthers() {
        JavaClasses classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("org.l4lb");
        slices().matching("org.l4lb.(**)").should().beFreeOfCycles().check(classes);
    }
}
